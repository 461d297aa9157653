"""How the backward sweep adds cotangents: sums, accumulation into adjoints, and accumulation in loops.

Cotangents of names that may be lists or tuples, and cotangents scattered by indexing, add with the runtime's
``add`` (``+`` would concatenate or broadcast wrongly); inside a loop, ``a = add(a, index_add(g, x, i))``
becomes ``a = add_at(a, i, g)`` where nothing else reads ``a``.
"""

from __future__ import annotations

import ast

from ... import runtime
from ...vocabulary import assign as _assign
from ...vocabulary import call as _call
from ...vocabulary import is_runtime_call
from ...vocabulary import load as _load


class Accumulator:
    """Builds the sums of cotangents for one function, knowing which of its names may be containers."""

    def __init__(self, context, containers: set):
        self.context = context
        self.containers = containers

    def _runtime(self, name: str) -> ast.expr:
        return self.context.reference(getattr(runtime, name))

    def sum(self, expressions: list, name: str) -> ast.expr:
        """The sum of cotangents of ``name``: item by item where it may be a list or tuple."""
        total = expressions[0]
        for expression in expressions[1:]:
            total = self.add(total, expression, name, expressions)
        return total

    def add(self, left: ast.expr, right: ast.expr, name: str, expressions: list) -> ast.expr:
        if name in self.containers or any(is_runtime_call(e, "index_add") for e in expressions):
            return _call(self._runtime("add"), left, right)
        return ast.BinOp(left=left, op=ast.Add(), right=right)

    def accumulate(self, name: str, expressions: list, live: set) -> ast.Assign:
        """``ba = ba + (the sum of expressions)``, or ``ba = (the sum)`` where ``ba`` is not set yet."""
        adjoint = self.context.namer.adjoint(name)
        value = self.sum(expressions, name)
        if adjoint in live:
            value = self.add(_load(adjoint), value, name, expressions)
        live.add(adjoint)
        return _assign(adjoint, value)

    def in_place(self, statement, fresh: set, code: list):
        """``a = _rt.add(a, _rt.index_add(g, x, i))`` becomes ``a = _rt.add_at(a, i, g)`` where ``a`` is a fresh
        accumulator (zeroed just before the loop) that the loop body touches in no other way."""
        if isinstance(statement, (ast.If, ast.For, ast.While)):
            for field in ("body", "orelse"):
                setattr(
                    statement,
                    field,
                    [self.in_place(s, fresh, code) for s in getattr(statement, field)],
                )
            return statement
        index_add = _indexed_accumulation(statement)
        if index_add is None or statement.targets[0].id not in fresh:
            return statement
        name = statement.targets[0].id
        uses = sum(1 for s in code for n in ast.walk(s) if isinstance(n, ast.Name) and n.id == name)
        accumulations = sum(
            1
            for s in code
            for n in ast.walk(s)
            if isinstance(n, ast.Assign)
            and _indexed_accumulation(n) is not None
            and n.targets[0].id == name
        )
        if uses != 2 * accumulations:
            return statement  # each accumulation reads and writes it once: nothing else may see it
        g, _, index = index_add.args
        return _assign(name, _call(self._runtime("add_at"), _load(name), index, g))


def _indexed_accumulation(statement):
    """The index_add call of ``a = _rt.add(a, _rt.index_add(...))``, or None."""
    if not (isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name)):
        return None
    value = statement.value
    if not (
        is_runtime_call(value, "add")
        and len(value.args) == 2
        and isinstance(value.args[0], ast.Name)
        and value.args[0].id == statement.targets[0].id
        and is_runtime_call(value.args[1], "index_add")
    ):
        return None
    return value.args[1]
