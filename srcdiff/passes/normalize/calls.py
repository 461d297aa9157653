"""Calls and methods: array methods become numpy calls, and calls made for their effect are checked.

``x.sum(axis=0)`` becomes ``np.sum(x, axis=0)`` and ``x.reshape(2, 3)`` becomes ``np.reshape(x, (2, 3))``, so
every later pass meets one spelling of each operation, looked up among the numpy rules. A call whose value is
unused runs as in the original unless it may change one of its arguments in place, which srcdiff would not see:
then it is refused. Appending to and popping from a local list become runtime calls that return the new list
(``items = _rt.append(items, v)``), a new value every pass can follow. ``Calls`` is owned by the expression
``Flattener`` (``expressions.py``), which it uses to flatten the arguments.
"""

from __future__ import annotations

import ast
import builtins
import types

from ... import runtime
from ...errors import UnsupportedSyntaxError
from ...parsing import parse_function
from ...analysis import aliasing
from ...analysis.defuse import parameters
from ...vocabulary import is_append, is_comment, is_pop, load

# ndarray method -> numpy function taking the array first
ARRAY_METHODS = {
    "sum": "sum",
    "mean": "mean",
    "prod": "prod",
    "max": "max",
    "min": "min",
    "var": "var",
    "std": "std",
    "cumsum": "cumsum",
    "dot": "dot",
    "ravel": "ravel",
    "flatten": "ravel",
    "squeeze": "squeeze",
    "clip": "clip",
    "copy": "copy",
    "astype": "asarray",
    "reshape": "reshape",
    "transpose": "transpose",
}

# numpy functions that write into an argument
_UPDATING_FUNCTIONS = {
    "copyto",
    "put",
    "place",
    "putmask",
    "fill_diagonal",
    "shuffle",
    "put_along_axis",
}

# a mapping's views, as lists made by the runtime (d.items() is runtime.items(d))
_MAPPING_VIEWS = ("items", "values", "keys")

# calls kept as they are: printing, and generated code checking its output (no value, no gradient)
_KEPT = (builtins.print, runtime.seed, runtime.check_aux, runtime.check_unshared)


class Calls:
    """Flattens the calls of one function, and its statements that are a call."""

    def __init__(self, flat, updates):
        self.flat = flat
        self.updates = updates

    def call(self, node: ast.Call, out) -> ast.expr:
        """A call whose arguments are atoms (an array method written as a numpy call)."""
        flat = self.flat
        func = node.func
        if self.is_list_pop(node):
            return flat.runtime_call("pop", [load(func.value.id)])
        if (
            isinstance(func, ast.Attribute)
            and func.attr in ARRAY_METHODS
            and not flat.is_reference(func.value)
        ):
            return self._method_call(node, out)
        if (
            isinstance(func, ast.Attribute)
            and func.attr in _MAPPING_VIEWS
            and not node.args
            and not node.keywords
            and not flat.is_reference(func.value)
        ):  # d.items(): a list of the pairs, whose cotangent goes back to the dict's values
            return flat.runtime_call(func.attr, [flat.atom(func.value, out)])
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "get"
            and 1 <= len(node.args) <= 2
            and not node.keywords
            and not flat.is_reference(func.value)
        ):  # d.get(key, default): the value's cotangent goes to the key, or to the default
            arguments = [flat.atom(a, out) for a in [func.value, *node.args]]
            return flat.runtime_call("get", arguments)
        args = [flat.atom(a, out) for a in node.args]
        keywords = [ast.keyword(arg=k.arg, value=flat.atom(k.value, out)) for k in node.keywords]
        if not isinstance(func, (ast.Name, ast.Attribute)) or (
            isinstance(func, ast.Attribute) and not flat.is_reference(func.value)
        ):
            func = (
                flat.atom(func, out)
                if not isinstance(func, ast.Attribute)
                else ast.Attribute(value=flat.atom(func.value, out), attr=func.attr, ctx=ast.Load())
            )
        return ast.Call(func=func, args=args, keywords=keywords)

    def _method_call(self, node: ast.Call, out) -> ast.expr:
        flat = self.flat
        name = node.func.attr
        receiver = flat.atom(node.func.value, out)
        args = [flat.atom(a, out) for a in node.args]
        keywords = [ast.keyword(arg=k.arg, value=flat.atom(k.value, out)) for k in node.keywords]
        if name in ("reshape", "transpose") and len(args) > 1:
            args = [ast.Tuple(elts=args, ctx=ast.Load())]
            if not all(isinstance(a, ast.Constant) for a in args[0].elts):
                args = [flat.pack(args[0], out)]
        if name == "astype":
            keywords = [ast.keyword(arg="dtype", value=args[0])] if args else keywords
            args = []
        return flat.numpy_call(ARRAY_METHODS[name], [receiver] + args, keywords)

    def is_list_pop(self, value) -> bool:
        """``items.pop()`` on a local list (generated code restoring values from its tape)."""
        return (
            is_pop(value)
            and isinstance(value.func.value, ast.Name)
            and value.func.value.id in self.flat.local_names
            and not value.args
            and not value.keywords
        )

    def _is_list_append(self, value) -> bool:
        """``items.append(v)`` on a local list."""
        return (
            is_append(value)
            and isinstance(value.func.value, ast.Name)
            and value.func.value.id in self.flat.local_names
            and len(value.args) == 1
            and not value.keywords
        )

    def statement(self, node: ast.Expr, out: list) -> None:
        """An expression statement: kept, dropped, or written as an assignment of its value."""
        flat = self.flat
        value = node.value
        if isinstance(value, ast.Constant):
            return  # a docstring or a bare constant
        if isinstance(value, ast.Call) and flat.context.resolve(value.func) in _KEPT:
            out.append(node)
            return
        if is_comment(node):
            return  # a comment of generated code, differentiated again
        if self.is_list_pop(value):
            popped = flat.runtime_call("pop", [value.func.value])
            flat.emit(flat.namer.fresh("_popped"), popped, out)
            return
        if self._is_list_append(value):
            name = value.func.value.id
            self.updates.check_owned(name, node)
            item = flat.atom(value.args[0], out)
            flat.emit(name, flat.runtime_call("append", [load(name), item]), out)
            return
        if isinstance(value, ast.Call):
            why = self._updates_arguments(value)
            if why is None:  # a call for its effect (logging, plotting): it runs as in the original
                flat.emit(flat.namer.fresh("_unused"), flat.expression(value, out), out)
                return
            raise flat.parsed.error(
                UnsupportedSyntaxError,
                f"srcdiff cannot differentiate this call: {why}, which srcdiff cannot see",
                node,
                hint="compute a new value and assign it (y = f(y) instead of f(y) changing y)",
            )
        raise flat.parsed.error(
            UnsupportedSyntaxError,
            "srcdiff cannot differentiate an expression whose value is unused",
            node,
            hint="assign the result to a variable",
        )

    def _updates_arguments(self, call: ast.Call) -> str | None:
        """Why ``call`` may change one of its arguments in place, or None when it cannot."""
        if any(k.arg == "out" for k in call.keywords):
            return "it writes into its out= argument"
        func = call.func
        callee = self.flat.context.resolve(func)
        if (
            isinstance(func, ast.Attribute)
            and func.attr in aliasing.UPDATING_METHODS
            and not isinstance(callee, types.FunctionType)
        ):
            return f".{func.attr}() changes {ast.unparse(func.value)} in place"
        if getattr(callee, "__name__", None) in _UPDATING_FUNCTIONS:
            return f"{callee.__name__} changes its argument in place"
        if isinstance(callee, types.FunctionType):
            try:
                definition = parse_function(callee).node
            except Exception:  # no source: it is not the user's code
                return None
            for name in parameters(definition):
                if aliasing.updates_in_place(definition, name):
                    return f"{callee.__name__} changes its argument {name} in place"
        return None
