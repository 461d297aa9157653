"""Assignments: augmented assignments become plain ones, tuples are unpacked, item updates make new values.

Before::

    s += x[i]
    a, b = b, a
    y[i] = v * 2

After::

    _t1 = x[i]
    s = s + _t1
    _t2 = b
    _t3 = a
    a = _t2
    b = _t3
    _t4 = v * 2
    y = _rt.setitem(y, i, _t4)

An update of an item is written as a new value of the whole array (``_rt.setitem`` returns it), so that every
later pass sees ``y`` change; ``InPlaceUpdates`` (``inplace.py``) makes sure no other name sees the old one.
"""

from __future__ import annotations

import ast

from ...errors import UnsupportedSyntaxError
from ...analysis.normal_form import index_value
from ...vocabulary import load


class Assignments:
    """Writes the assignment statements of one function (``=``, ``+=``, annotated) in normal form."""

    def __init__(self, flat, updates):
        self.flat = flat
        self.updates = updates

    def statement(self, node, out: list) -> None:
        """An ``Assign``, ``AugAssign`` or ``AnnAssign`` statement."""
        flat = self.flat
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Subscript) for t in node.targets):
            if len(node.targets) != 1:
                raise flat.parsed.error(
                    UnsupportedSyntaxError, "assign to an item on a line of its own", node
                )
            self._set_item(node.targets[0], flat.atom(node.value, out), out)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Subscript):
            current = ast.Subscript(
                value=node.target.value, slice=node.target.slice, ctx=ast.Load()
            )
            updated = flat.atom(ast.BinOp(left=current, op=node.op, right=node.value), out)
            self._set_item(node.target, updated, out)
        elif isinstance(node, ast.Assign):
            if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                flat.assign(node.targets[0].id, node.value, out)
            else:
                value = node.value
                if len(node.targets) > 1:
                    value = flat.atom(node.value, out)
                for target in node.targets:
                    self._assign_target(target, value, out)
        elif isinstance(node, ast.AugAssign):
            name = node.target.id
            right = flat.atom(node.value, out)
            flat.emit(name, ast.BinOp(left=load(name), op=node.op, right=right), out)
        elif node.value is not None:  # an annotated assignment
            self._assign_target(node.target, node.value, out)

    def _assign_target(self, target, value, out) -> None:
        """``target = value`` for a name or a (nested) tuple of names."""
        flat = self.flat
        if isinstance(target, ast.Name):
            flat.assign(target.id, value, out)
            return
        elements = target.elts
        if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(elements):
            # a, b = b, a: evaluate every right-hand side before assigning any target
            values = [flat.atom(v, out) for v in value.elts]
            targets = {n.id for t in elements for n in ast.walk(t) if isinstance(n, ast.Name)}
            held = []
            for v in values:
                if isinstance(v, ast.Name) and v.id in targets:
                    v = flat.pack(v, out)
                held.append(v)
            for element, v in zip(elements, held):
                self._assign_target(element, v, out)
            return
        whole = flat.atom(value, out)
        if not isinstance(whole, ast.Name):
            raise flat.parsed.error(UnsupportedSyntaxError, "cannot unpack a constant", target)
        for index, element in enumerate(elements):
            item = ast.Subscript(value=load(whole.id), slice=ast.Constant(index), ctx=ast.Load())
            if isinstance(element, ast.Name):
                flat.emit(element.id, item, out)
            else:
                self._assign_target(element, item, out)

    def _set_item(self, target: ast.Subscript, value: ast.expr, out: list) -> None:
        """``y[i] = v``, written ``y = _rt.setitem(y, i, v)`` so that every pass sees a new value of ``y``."""
        flat = self.flat
        if not isinstance(target.value, ast.Name) or target.value.id not in flat.local_names:
            raise flat.parsed.error(
                UnsupportedSyntaxError,
                "srcdiff differentiates in-place updates of local arrays and lists only",
                target,
                hint="make a local copy first: y = np.array(...) or y = x.copy()",
            )
        name = target.value.id
        self.updates.check_owned(name, target)
        index = index_value(flat.index(target.slice, out))
        flat.emit(name, flat.runtime_call("setitem", [load(name), index, value]), out)
