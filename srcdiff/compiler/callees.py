"""The user's functions the differentiated code calls: each gets its own context, in which every global or
closure variable it reads is looked up now and passed to the generated module (and guarded, see cache.py).
"""

from __future__ import annotations

import ast
import builtins
import copy

from .. import cache, fence
from ..context import Context, LocalFunction, Module
from ..errors import SrcdiffError
from ..parsing import MISSING, parse_function
from .checks import refuse_calls_of_variables


def context_for_callee(callee, module: Module) -> Context:
    """A context for a function the differentiated code calls, with its free names made reachable."""
    if isinstance(
        callee, LocalFunction
    ):  # lifted from the function that calls it: same globals and closure
        recorder, callee.parsed.recorder = callee.parsed.recorder, None
        try:
            parsed = copy.deepcopy(callee.parsed)
        finally:
            callee.parsed.recorder = recorder
        context = Context(parsed, module)
        context.local_functions.update(callee.siblings)
        _localize_free_names(context)
        return context
    try:
        parsed = parse_function(callee)
        fence.check(parsed)
        refuse_calls_of_variables(parsed)
    except SrcdiffError as error:
        error.args = (str(error) + f"\n(while differentiating a call to {callee.__qualname__})",)
        raise
    module.assumptions.extend(cache.function_guards(callee))  # its code and the defaults folded in
    context = Context(parsed, module)
    _localize_free_names(context)
    return context


def _localize_free_names(context: Context) -> None:
    """Names a callee reads from its own closure or module become injected names of the generated module.

    The generated vjp functions of callees do not run in the callee's module, so every global or closure
    variable a callee reads is looked up now (in the callee's own namespaces, where the callee would find it)
    and passed in; the lookup is a guard (see cache.py), so the derivative is compiled again when the name is
    bound to another object. An injected name never shadows a name the differentiated function itself reads.
    """
    parsed = context.parsed
    parsed.exact = True  # the values looked up are passed in: each is guarded as itself
    local = parsed.locals
    root = context.module.root
    root_names = set() if root is None or root is parsed else _names_read(root.node)
    renames = {}
    for node in ast.walk(parsed.node):
        if (
            not isinstance(node, ast.Name)
            or node.id in local
            or node.id in renames
            or node.id in context.local_functions
            or node.id in context.injected
            and context.injected[node.id] is parsed.resolve(node)
        ):
            continue
        value = parsed.resolve(node)
        if value is MISSING or getattr(builtins, node.id, MISSING) is value:
            continue  # not defined (the name check reports it if generated code reads it) or a builtin
        preferred = node.id
        if preferred in root_names and root.resolve(ast.Name(id=preferred)) is not value:
            preferred = "_" + preferred.lstrip("_")
        renames[node.id] = context.inject(value, preferred)
    renames = {old: new for old, new in renames.items() if old != new}
    if renames:
        for node in ast.walk(parsed.node):
            if isinstance(node, ast.Name) and node.id in renames:
                node.id = renames[node.id]
        parsed.closure = {renames.get(k, k): v for k, v in parsed.closure.items()}


def _names_read(node: ast.AST) -> set:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
