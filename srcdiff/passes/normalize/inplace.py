"""In-place updates: which arrays the function writes item by item, and which names may share their memory.

srcdiff writes ``y[i] = v`` as ``y = _rt.setitem(y, i, v)``, a new value of ``y``; that is sound only when no
other name sees ``y``'s memory. Built once per function before anything is rewritten, ``InPlaceUpdates`` refuses
the updates it can prove unsound (a view of an updated array, read afterwards), answers ``check_owned`` for each
update the normalizer writes, and gives the run-time check (``_rt.check_unshared``) that goes before the updates
whose sharing only the values can tell (found by ``analysis/aliasing.py``).
"""

from __future__ import annotations

import ast

from ...errors import UnsupportedSyntaxError
from ...analysis import aliasing
from ...vocabulary import load, method


class InPlaceUpdates:
    """The in-place updates of one function, and the names that may see them."""

    def __init__(self, context):
        self.parsed = context.parsed
        self.runtime = context.runtime
        node = self.parsed.node
        self.views = {}  # local name -> an assignment that may have made it a view of another array
        for child in ast.walk(node):
            if (
                isinstance(child, ast.Assign)
                and len(child.targets) == 1
                and isinstance(child.targets[0], ast.Name)
                and _may_be_view(child.value)
            ):
                self.views.setdefault(child.targets[0].id, child)
        # arrays written item by item: slices read from them are copied, so that later writes do not
        # change values the backward sweep reads; other views of them are refused
        self.written = {
            t.value.id
            for t in ast.walk(node)
            if isinstance(t, ast.Subscript)
            and isinstance(t.ctx, ast.Store)
            and isinstance(t.value, ast.Name)
        }
        self.written |= {
            t.target.value.id
            for t in ast.walk(node)
            if isinstance(t, ast.AugAssign)
            and isinstance(t.target, ast.Subscript)
            and isinstance(t.target.value, ast.Name)
        }
        for name, assignment in self.views.items():
            source = _view_source(assignment.value)
            if source in self.written and not isinstance(assignment.value, ast.Subscript):
                raise self.parsed.error(
                    UnsupportedSyntaxError,
                    f"{name} may share memory with {source}, which is updated in place: srcdiff would not "
                    f"see the update of {name}",
                    assignment,
                    hint=f"make {name} a copy: {name} = {ast.unparse(assignment.value)}.copy()",
                )
        findings = aliasing.analyse(node)
        for statement, name, other, origin in findings.refused:
            raise self.parsed.error(
                UnsupportedSyntaxError,
                f"{name} is updated in place here, but {other} shares its memory{_bound_at(origin)} and is "
                f"read afterwards: srcdiff would not see {other} change",
                statement,
                hint=f"make {other} a copy where it is assigned (.copy()), or update a copy of {name}",
            )
        self.shared = findings.checked

    def check_owned(self, name: str, node) -> None:
        """An array updated in place must not share memory with another value srcdiff tracks apart."""
        view = self.views.get(name)
        if view is not None:
            raise self.parsed.error(
                UnsupportedSyntaxError,
                f"{name} is updated in place, but it may share memory with another array: it was assigned "
                f"`{ast.unparse(view)}` on line {view.lineno}, which can be a view, and srcdiff would not see "
                "the update of the other one",
                node,
                hint=f"make {name} a copy before updating it: {name} = {ast.unparse(view.value)}.copy()",
            )

    def check_shared(self, node) -> ast.Expr | None:
        """``_rt.check_unshared(...)`` before ``node``, when it updates an array another name may see."""
        if id(node) not in self.shared:
            return None
        views, other, origin, augmented = self.shared[id(node)]
        if augmented:
            name, operator = node.target.id, _OPERATORS.get(type(node.op), "?")
            message = (
                f"{name} {operator}= ... updates the array {name} in place, but {other} shares its "
                f"memory{_bound_at(origin)} and is read afterwards: srcdiff would not see {other} change; "
                f"write {name} = {name} {operator} ... to make a new array, or make {other} a copy"
            )
        else:
            target = (
                node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
            )
            name = target.value.id if isinstance(target, ast.Subscript) else "the list"
            message = (
                f"{name} is updated in place, but {other}{_bound_at(origin)} is a view of it and is read "
                f"afterwards: srcdiff would not see {other} change; make {other} a copy (.copy())"
            )
        updated = load(name) if augmented else ast.Constant(None)
        viewed = (
            ast.Tuple(elts=[load(v) for v in views], ctx=ast.Load())
            if views is not None
            else ast.Constant(None)
        )
        arguments = [
            updated,
            viewed,
            ast.Constant(message),
            ast.Constant(self.parsed.filename),
            ast.Constant(node.lineno),
        ]
        check = method(self.runtime, "check_unshared", *arguments)
        return ast.copy_location(ast.Expr(value=check), node)


def _view_source(value):
    """The name a possible view is a view of."""
    if isinstance(value, ast.Name):
        return value.id
    if isinstance(value, (ast.Subscript, ast.Attribute)):
        return getattr(value.value, "id", None)
    if isinstance(value, ast.Call):
        if isinstance(value.func, ast.Attribute) and not value.args:
            return getattr(value.func.value, "id", None)  # x.ravel(), x.transpose()
        if value.args:
            first = value.args[0]
            if (
                isinstance(value.func, ast.Attribute)
                and value.func.attr in ("reshape", "transpose")
                and isinstance(value.func.value, ast.Name)
                and value.func.value.id not in ("np", "numpy")
            ):
                return value.func.value.id
            return getattr(first, "id", None)
    return None


def _may_be_view(value) -> bool:
    """Whether ``value`` can be a view of (share memory with) another array."""
    if isinstance(value, (ast.Name, ast.Subscript)):
        return True
    if isinstance(value, ast.Attribute) and value.attr == "T":
        return True
    if isinstance(value, ast.Call):
        func = value.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name in aliasing.RESHAPING
    return False


_OPERATORS = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
    ast.MatMult: "@",
    ast.FloorDiv: "//",
    ast.Mod: "%",
}


def _bound_at(statement) -> str:
    """`` (assigned `v = x[:]` on line 3)``, for messages."""
    if statement is None or not hasattr(statement, "lineno"):
        return ""
    text = ast.unparse(statement).splitlines()[0]
    return f" (assigned `{text}` on line {statement.lineno})"
