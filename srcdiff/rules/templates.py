"""A rule's expression made concrete: its parameters bound to a call's operands, its globals to names that
generated code can reach. Read by every pass that writes derivatives (reverse and forward mode alike).
"""

from __future__ import annotations

import ast
import builtins
import copy
import inspect
import types

import numpy as np

from ..context import Context
from ..errors import UnsupportedSyntaxError
from ..parsing import MISSING
from ..vocabulary import load as _load


def instantiate(template: ast.expr, bindings: dict, rule, context: Context) -> ast.expr | None:
    """A rule's expression with its parameters replaced by operands and its globals by generated-code names;
    None when it refers to something generated code cannot reach (the rule is then called instead).
    """
    local_names = {
        n.id for n in ast.walk(template) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }

    class Substitute(ast.NodeTransformer):
        failed = False

        def visit_Name(self, node):
            if node.id in bindings:
                return copy.deepcopy(bindings[node.id])
            if node.id in local_names:
                return node
            value = rule.template_globals.get(node.id, getattr(builtins, node.id, MISSING))
            if value is MISSING:
                Substitute.failed = True
                return node
            if getattr(builtins, node.id, MISSING) is value:
                if context.parsed.resolve(ast.Name(id=node.id)) is value:
                    return node
            return context.reference(value)

        def visit_Attribute(self, node):
            # np.sin in a rule means numpy's sin, even where np.sin has been replaced since
            value = _template_value(node, rule.template_globals)
            if (
                callable(value)
                and not isinstance(value, type)
                and not isinstance(value, types.ModuleType)
            ):
                return context.reference(value)
            return self.generic_visit(node)

    result = Substitute().visit(copy.deepcopy(template))
    return None if Substitute.failed else result


# numpy's namespaces as srcdiff found them: what the rules mean by np.sin, whatever replaces it later
_AS_IMPORTED = {id(module): dict(vars(module)) for module in (np, np.linalg)}


def _template_value(node: ast.expr, namespace: dict):
    """The object a dotted name of a rule's expression (``np.linalg.inv``) denotes in the rule."""
    if isinstance(node, ast.Name):
        return namespace.get(node.id, MISSING)
    if isinstance(node, ast.Attribute):
        base = _template_value(node.value, namespace)
        if base is MISSING:
            return MISSING
        return _AS_IMPORTED.get(id(base), {}).get(node.attr, getattr(base, node.attr, MISSING))
    return MISSING


def bind_arguments(function, args: list, keywords: dict, context: Context) -> list:
    """A call's arguments matched to ``function``'s parameters, defaults filled in.

    Returns (parameter name, value expression, passed by keyword) in the order of the parameters.
    """
    signature = inspect.signature(function)
    try:
        bound = signature.bind(*args, **keywords)
    except TypeError as exc:
        raise context.parsed.error(
            UnsupportedSyntaxError,
            f"the call to {function.__name__} does not match its signature: {exc}",
        )
    bound.apply_defaults()
    arguments = []
    for name, parameter in signature.parameters.items():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise context.parsed.error(
                UnsupportedSyntaxError,
                f"srcdiff cannot differentiate through {function.__name__}, which takes *args or **kwargs",
                hint="name every parameter of the function",
            )
        value = bound.arguments[name]
        if not isinstance(value, ast.AST):
            value = _literal(value) or _load(context.inject(value, f"_{name}_default"))
        arguments.append((name, value, parameter.kind == parameter.KEYWORD_ONLY))
    return arguments


def _literal(value):
    """An expression for a plain constant, or None."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return ast.Constant(value)
    if isinstance(value, tuple) and all(isinstance(v, (bool, int, float, str)) for v in value):
        return ast.Tuple(elts=[ast.Constant(v) for v in value], ctx=ast.Load())
    return None
