"""Removal of assignments whose values nobody reads, unless computing them may have an effect."""

from __future__ import annotations

import ast

from ...analysis.defuse import reads
from ...analysis.effects import has_effects
from ...vocabulary import is_comment


def remove_dead_assignments(body: list, live_out: set, resolve) -> list:
    """Drop top-level assignments whose targets are never read afterwards (straight-line part only), unless
    computing the value may have an effect (a call of the user's, ``print``, a tape's push or pop).
    """
    reads_after: set = set(live_out)
    kept = []
    for statement in reversed(body):
        if (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
        ):
            name = statement.targets[0].id
            if name not in reads_after and not has_effects(statement.value, resolve):
                continue
            reads_after.discard(name)
        reads_after |= reads(statement)
        kept.append(statement)
    return list(reversed(kept))


def drop_orphan_comments(body: list) -> list:
    """Drop each comment that no statement of its own follows (in every block): the next statement is another
    comment or a ``return``, or the block ends."""
    kept = []
    for index, statement in enumerate(body):
        for field in ("body", "orelse"):
            block = getattr(statement, field, None)
            if isinstance(block, list) and block:
                setattr(statement, field, drop_orphan_comments(block) or [ast.Pass()])
        following = body[index + 1] if index + 1 < len(body) else None
        if is_comment(statement) and (
            following is None or is_comment(following) or isinstance(following, ast.Return)
        ):
            continue
        kept.append(statement)
    return kept
