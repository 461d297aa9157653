"""Jumps become flags: ``return``, ``break`` and ``continue`` are lowered to assignments and guards.

After this, a function returns only from its last statement and every loop iteration runs to the end of its body,
so the backward sweep replays exactly the statements that ran, through the guards recorded with them. The
statement normalizer (``statements.py``) lowers the returns of the whole body first; the loop normalizer
(``loops.py``) lowers the jumps of each loop body it rewrites.

Before::

    for i in range(n):
        if x[i] < 0:
            break
        s = s + x[i]

After::

    _break1 = False
    for i in range(n):
        if x[i] < 0:
            _break1 = True
        if not _break1:
            s = s + x[i]
        if _break1:
            break
"""

from __future__ import annotations

import ast
import copy

from ...vocabulary import assign, load


def single_exit(body: list, namer) -> list:
    """A body whose only return is its last statement.

    An early ``return v`` becomes ``_result = v; _returned = True``; the statements after it are guarded by
    ``if not _returned:`` and loops it is in end their iteration with ``if _returned: break``.
    """
    returns = [n for n in _walk_statements(body) if isinstance(n, ast.Return)]
    if len(returns) == 1 and body[-1] is returns[0]:
        return body
    result = namer.fresh("_result")
    flag = namer.fresh("_returned")
    start = [
        ast.copy_location(assign(result, ast.Constant(None)), body[0]),
        ast.copy_location(assign(flag, ast.Constant(False)), body[0]),
    ]
    lowered, _ = lower_returns(body, result, flag)
    end = ast.copy_location(ast.Return(value=load(result)), returns[-1])
    return start + lowered + [end]


def lower_returns(statements: list, result: str, flag: str) -> tuple:
    """``statements`` with each ``return v`` turned into ``result = v; flag = True``; also whether they may
    return."""
    out = []
    for index, statement in enumerate(statements):
        if isinstance(statement, ast.Return):
            out.append(ast.copy_location(assign(result, statement.value), statement))
            out.append(ast.copy_location(assign(flag, ast.Constant(True)), statement))
            return out, True
        may_return = False
        if isinstance(statement, ast.If):
            body, in_body = lower_returns(statement.body, result, flag)
            orelse, in_else = lower_returns(statement.orelse, result, flag)
            statement = ast.copy_location(
                ast.If(test=statement.test, body=body or [ast.Pass()], orelse=orelse), statement
            )
            may_return = in_body or in_else
        elif isinstance(statement, (ast.For, ast.While)):
            body, may_return = lower_returns(statement.body, result, flag)
            if may_return:
                exit_loop = ast.copy_location(
                    ast.If(test=load(flag), body=[ast.Break()], orelse=[]), statement
                )
                body = body + [exit_loop]
            loop = copy.copy(statement)
            loop.body = body
            statement = loop
        out.append(statement)
        if may_return:
            rest, _ = lower_returns(statements[index + 1 :], result, flag)
            if rest:
                guard = ast.UnaryOp(op=ast.Not(), operand=load(flag))
                out.append(ast.copy_location(ast.If(test=guard, body=rest, orelse=[]), rest[0]))
            return out, True
    return out, False


def lower_jumps(body: list, namer, origin) -> tuple:
    """A loop body whose ``break`` and ``continue`` set flags, with the statements after them guarded.

    The body ends with ``if flag: break`` for a break, so every iteration runs to the end of the body. Returns
    the statements to run before the loop (the break flag set to False) and the new body; ``origin`` is the
    loop statement, whose place the new flag assignments take.
    """
    jumps = [n for n in _walk_loop_body(body) if isinstance(n, (ast.Break, ast.Continue))]
    if not jumps:
        return [], body
    flags = {}
    before = []
    if any(isinstance(n, ast.Break) for n in jumps):
        flags[ast.Break] = namer.fresh("_break")
        before.append(ast.copy_location(assign(flags[ast.Break], ast.Constant(False)), origin))
    if any(isinstance(n, ast.Continue) for n in jumps):
        flags[ast.Continue] = namer.fresh("_continue")
    lowered, _ = _lower(body, flags)
    prefix = []
    if ast.Continue in flags:
        prefix.append(ast.copy_location(assign(flags[ast.Continue], ast.Constant(False)), origin))
    suffix = []
    if ast.Break in flags:
        suffix.append(
            ast.copy_location(
                ast.If(test=load(flags[ast.Break]), body=[ast.Break()], orelse=[]), jumps[0]
            )
        )
    return before, prefix + lowered + suffix


def _lower(statements: list, flags: dict) -> tuple:
    """``statements`` with jumps turned into flag assignments; also whether they may jump."""
    out = []
    for index, statement in enumerate(statements):
        if isinstance(statement, (ast.Break, ast.Continue)):
            flag = flags[type(statement)]
            out.append(ast.copy_location(assign(flag, ast.Constant(True)), statement))
            return out, True
        if isinstance(statement, ast.If):
            body, jumps_in_body = _lower(statement.body, flags)
            orelse, jumps_in_else = _lower(statement.orelse, flags)
            out.append(
                ast.copy_location(
                    ast.If(test=statement.test, body=body or [ast.Pass()], orelse=orelse), statement
                )
            )
            if jumps_in_body or jumps_in_else:
                rest, _ = _lower(statements[index + 1 :], flags)
                if rest:
                    names = [load(f) for f in flags.values()]
                    jumped = names[0] if len(names) == 1 else ast.BoolOp(op=ast.Or(), values=names)
                    guard = ast.UnaryOp(op=ast.Not(), operand=jumped)
                    out.append(ast.copy_location(ast.If(test=guard, body=rest, orelse=[]), rest[0]))
                return out, True
            continue
        out.append(statement)
    return out, False


def _walk_statements(body):
    """Every node of ``body``."""
    for statement in body:
        yield from ast.walk(statement)


def _walk_loop_body(body):
    """The nodes of a loop body, not descending into nested loops (their jumps are their own)."""
    stack = list(body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.For, ast.While)):
            stack.extend(ast.iter_child_nodes(node))
        else:
            stack.extend(node.orelse)
