"""Expression flattening, the core of the normalizer: every expression becomes one operation on atoms.

``Flattener.expression`` writes an expression as one operation whose operands are atoms (names and constants),
emitting the statements that compute the operands into a list; ``atom`` gives a name or constant holding a
value. Calls are flattened by ``Calls`` (``calls.py``), which this flattener owns; the statement normalizer
(``statements.py``), the loop normalizer (``loops.py``) and the assignments (``assignments.py``) all flatten their
expressions here, and place the statements they write where ``origin``, the statement being rewritten, was.

Before::

    y = np.sin(x) * 2 + a[i + 1]

After::

    _t1 = np.sin(x)
    _t2 = _t1 * 2
    _t3 = i + 1
    _t4 = a[_t3]
    y = _t2 + _t4
"""

from __future__ import annotations

import ast
import types

from ...errors import UnsupportedSyntaxError
from ...analysis.defuse import parameters
from ...analysis.normal_form import is_atom, is_condition
from ...vocabulary import assign, call, load, method
from .calls import Calls


class Flattener:
    """Flattens the expressions of one function into operations on atoms."""

    def __init__(self, context, updates):
        self.context = context
        self.parsed = context.parsed
        self.namer = context.namer
        node = self.parsed.node
        self.params = parameters(node)
        self.local_names = set(self.params)
        for child in ast.walk(node):
            if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                self.local_names.add(child.id)
        self.copied = updates.written  # arrays whose slices are read as copies
        self.origin = (
            node  # the statement being rewritten: the statements it becomes take its place
        )
        self.calls = Calls(self, updates)

    # ---- writing statements ------------------------------------------------------------------------------

    def located(self, node):
        """``node``, placed where the statement being rewritten was."""
        return ast.copy_location(node, self.origin)

    def emit(self, name: str, value: ast.expr, out: list) -> None:
        """Append ``name = value`` to ``out``."""
        out.append(self.located(assign(name, value)))

    def assign(self, name: str, value: ast.expr, out: list) -> None:
        """``name = value`` in normal form (a conditional expression becomes an ``if`` statement)."""
        if isinstance(value, ast.IfExp):
            self.if_expression(name, value, out)
            return
        self.emit(name, self.expression(value, out), out)

    def if_expression(self, name: str, node: ast.IfExp, out: list) -> None:
        """``name = a if test else b`` as an ``if`` statement assigning ``name`` in both branches."""
        test = self.condition(node.test, out)
        body: list = []
        self.assign(name, node.body, body)
        orelse: list = []
        self.assign(name, node.orelse, orelse)
        out.append(self.located(ast.If(test=test, body=body, orelse=orelse)))

    def pack(self, node, out) -> ast.Name:
        """A fresh name holding ``node``."""
        temp = self.namer.fresh()
        self.emit(temp, node, out)
        return load(temp)

    # ---- expressions -------------------------------------------------------------------------------------

    def condition(self, node, out) -> ast.expr:
        """A truth value: kept whole (its operands carry no gradient)."""
        return node

    def atom(self, node, out) -> ast.expr:
        """A name or constant holding the value of ``node``, emitting the statements that compute it."""
        if is_atom(node):
            return node
        constant = self._constant(node)
        if constant is not None:
            return constant
        if isinstance(node, ast.IfExp):
            temp = self.namer.fresh()
            self.if_expression(temp, node, out)
            return load(temp)
        value = self.expression(node, out)
        if is_atom(value):
            return value
        return self.pack(value, out)

    def _constant(self, node):
        if (
            isinstance(node, ast.UnaryOp)
            and isinstance(node.op, (ast.USub, ast.UAdd))
            and isinstance(node.operand, ast.Constant)
            and isinstance(node.operand.value, (int, float))
        ):
            value = node.operand.value
            return ast.Constant(-value if isinstance(node.op, ast.USub) else value)
        if isinstance(node, ast.Attribute) and self.is_reference(node):
            return node  # a module constant such as np.pi or math.e
        return None

    def expression(self, node, out) -> ast.expr:
        """``node`` as one operation on atoms."""
        if is_atom(node) or is_condition(node) or isinstance(node, (ast.JoinedStr, ast.Constant)):
            return node
        constant = self._constant(node)
        if constant is not None:
            return constant
        if isinstance(node, ast.BinOp):
            return ast.BinOp(
                left=self.atom(node.left, out), op=node.op, right=self.atom(node.right, out)
            )
        if isinstance(node, ast.UnaryOp):
            return ast.UnaryOp(op=node.op, operand=self.atom(node.operand, out))
        if isinstance(node, ast.Call):
            return self.calls.call(node, out)
        if isinstance(node, ast.Attribute):
            if node.attr == "T" and not self.is_reference(node.value):
                return self.numpy_call("transpose", [self.atom(node.value, out)], [])
            return ast.Attribute(value=self.atom(node.value, out), attr=node.attr, ctx=ast.Load())
        if isinstance(node, ast.Subscript):
            item = ast.Subscript(
                value=self.atom(node.value, out), slice=self.index(node.slice, out), ctx=ast.Load()
            )
            if isinstance(item.value, ast.Name) and item.value.id in self.copied:
                return self.runtime_call("copy_item", [self.pack(item, out)])
            return item
        if isinstance(node, (ast.Tuple, ast.List)):
            return type(node)(elts=[self.atom(e, out) for e in node.elts], ctx=ast.Load())
        if isinstance(
            node, ast.Dict
        ):  # carries no gradient: fine for has_aux, an error if differentiated
            return ast.Dict(
                keys=[None if k is None else self.atom(k, out) for k in node.keys],
                values=[self.atom(v, out) for v in node.values],
            )
        if isinstance(node, ast.IfExp):
            return self.atom(node, out)
        raise self.parsed.error(
            UnsupportedSyntaxError,
            f"srcdiff cannot differentiate a {type(node).__name__} expression",
            node,
        )

    def index(self, node, out) -> ast.expr:
        """The index of a subscript, each of its parts an atom."""
        if isinstance(node, ast.Slice):
            return ast.Slice(
                *(
                    None if part is None else self.atom(part, out)
                    for part in (node.lower, node.upper, node.step)
                )
            )
        if isinstance(node, ast.Tuple):
            return ast.Tuple(elts=[self.index(e, out) for e in node.elts], ctx=ast.Load())
        return self.atom(node, out)

    # ---- names the generated code calls ------------------------------------------------------------------

    def numpy_call(self, name: str, args, keywords) -> ast.Call:
        """``np.name(*args, **keywords)``, through the name the function's numpy is reached by."""
        func = ast.Attribute(value=load(self.context.numpy), attr=name, ctx=ast.Load())
        return call(func, *args, keywords=keywords)

    def runtime_call(self, function: str, args: list) -> ast.Call:
        """``_rt.function(*args)``: a call of srcdiff's runtime."""
        return method(self.context.runtime, function, *args)

    def is_reference(self, node) -> bool:
        """Whether ``node`` names a module (``np``, ``np.linalg``), not a value computed at run time."""
        root = node
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name) or root.id in self.local_names:
            return False
        return isinstance(self.context.resolve(node), (types.ModuleType, type))
