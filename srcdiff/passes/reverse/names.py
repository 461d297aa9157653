"""What kinds of values a function's names hold, as reverse mode needs to know them before it plans.

Which names may be lists or tuples (their cotangents add item by item), which only count through a range
(integers, so an index made of them names each position once), and which stable name stands for each shape
class (a helper that reads an operand only for its shape can read that name instead).
"""

from __future__ import annotations

import ast

from ... import runtime
from ...analysis.activity import Activity, Operation
from ...analysis.defuse import assignments
from ...analysis.defuse import parameters as _parameters
from ...analysis.normal_form import is_loop_exit

# runtime helpers through which loops, a mapping's views and its get read a container
_CONTAINER_READERS = (runtime.iterable, runtime.items, runtime.values, runtime.keys, runtime.get)


def sequence_names(function: ast.FunctionDef) -> set:
    """Names assigned a list, tuple or dict display."""
    return {
        statement.targets[0].id
        for statement in assignments(function.body)
        if isinstance(statement.value, (ast.Tuple, ast.List, ast.Dict))
    }


def container_names(
    function: ast.FunctionDef, activity: Activity, scalar: bool, checked: tuple
) -> set:
    """Names that may hold a list or tuple, whose cotangents add item by item (``+`` would concatenate):
    lists and tuples built here, parameters (except ``checked`` ones, known to be floats or arrays), and
    what is taken from them or returned by a call of the user's."""
    names = sequence_names(function)
    if not scalar:
        # a parameter that is only an operand of arithmetic and numpy's functions is a number or an array
        structural = {
            n.id
            for s in assignments(function.body)
            if activity.operation(s) is not None
            and (
                activity.operation(s).kind not in ("rule", "constant")
                or activity.operation(s).callee in _CONTAINER_READERS
            )
            for a in activity.operation(s).args
            for n in ast.walk(a)
            if isinstance(n, ast.Name)
        }
        structural |= {
            n.iter.id
            for n in ast.walk(function)
            if isinstance(n, ast.For) and isinstance(n.iter, ast.Name)
        }
        names |= {p for p in _parameters(function) if p not in checked and p in structural}
    changed = True
    while changed:
        changed = False
        for statement in assignments(function.body):
            target = statement.targets[0].id
            operation = activity.operation(statement)
            if target in names or operation is None:
                continue
            source = operation.args[0] if operation.args else None
            from_container = isinstance(source, ast.Name) and source.id in names
            if operation.kind in ("call", "pop", "unknown") or (
                operation.kind in ("copy", "index") and from_container
            ):
                names.add(target)
                changed = True
    return names


def may_concatenate(operation: Operation, containers: set) -> bool:
    """Whether ``operation`` is ``a + b`` where an operand may be a list or a tuple."""
    return (
        operation.rule.primal is ast.Add
        and len(operation.args) == 2
        and any(isinstance(arg, ast.Name) and arg.id in containers for arg in operation.args)
    )


def range_counters(function: ast.FunctionDef) -> set:
    """Names that only count through a range (``for i in _r1`` with ``_r1 = range(...)``): integers."""
    ranges = {
        s.targets[0].id
        for s in assignments(function.body)
        if isinstance(s.value, ast.Call)
        and isinstance(s.value.func, ast.Name)
        and s.value.func.id == "range"
    }
    stores: dict = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            stores[node.id] = stores.get(node.id, 0) + 1
    return {
        node.target.id
        for node in ast.walk(function)
        if isinstance(node, ast.For)
        and isinstance(node.target, ast.Name)
        and isinstance(node.iter, ast.Name)
        and node.iter.id in ranges
        and stores[node.target.id] == 1
    }


def may_repeat(index: ast.expr, integers: set) -> bool:
    """Whether an index may hold an integer array, which can name one position twice (a list or array literal,
    or a name other than the ``integers``, counters of loops over ranges)."""
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    return any(
        isinstance(p, ast.List)
        or (isinstance(p, ast.Name) and p.id not in integers)
        or (isinstance(p, ast.Call) and not (isinstance(p.func, ast.Name) and p.func.id == "slice"))
        for p in parts
    )


def may_break(loop: ast.For) -> bool:
    """Whether a ``for`` loop may stop before its last iteration (its body ends in a loop exit)."""
    return bool(loop.body) and isinstance(loop.body[-1], ast.If) and is_loop_exit(loop.body[-1])


def all_names(function: ast.FunctionDef) -> set:
    """Every name the function reads or binds, its parameters included."""
    return {n.id for n in ast.walk(function) if isinstance(n, ast.Name)} | set(
        _parameters(function)
    )


def shape_representatives(function: ast.FunctionDef, shapes: dict) -> dict:
    """Shape class -> a name of that class whose value stays in place: a parameter, or a name assigned
    once at the top level."""
    params = _parameters(function)
    assigned: dict = {}
    for statement in assignments(function.body):
        assigned[statement.targets[0].id] = assigned.get(statement.targets[0].id, 0) + 1
    stable = [p for p in params if p not in assigned]
    stable += [
        s.targets[0].id
        for s in function.body
        if isinstance(s, ast.Assign) and assigned.get(s.targets[0].id) == 1
    ]
    representatives = {}
    for name in stable:
        shape = shapes.get(name)
        if shape is not None:
            representatives.setdefault(shape, name)
    return representatives
