"""Checks on both sides of the passes: a call the compiler cannot resolve is refused before it starts
(``refuse_calls_of_variables``), and a name the generated code would read but not find is a located error after
it (``check_names``); ``find_free_globals`` and ``runtime_names`` list what the generated code reads at run time.
"""

from __future__ import annotations

import ast
import builtins

from ..analysis.defuse import parameters
from ..context import Context
from ..errors import UnsupportedSyntaxError
from ..parsing import MISSING, ParsedFunction
from ..vocabulary import COMMENT


def _bound_names(function: ast.FunctionDef) -> set:
    """The names a generated function (and the functions nested in it) binds itself."""
    bound = set()
    for node in ast.walk(function):
        if isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            bound.add(node.name)
    return bound


def check_names(parsed, module, functions, contexts, root_entries) -> None:
    """Every name a generated function reads must be found where it runs: its own locals, the names injected
    into the generated module, the other generated functions, builtins, and, for the functions bound to the
    user's function (its gradient), the user's closure and module globals. Otherwise a located error now,
    rather than a NameError when the derivative is called."""
    shared = set(module.injected) | {f.name for f in functions}
    user_closure = set(parsed.function.__code__.co_freevars)
    for function, context in zip(functions, contexts):
        bound = _bound_names(function) | shared
        for node in ast.walk(function):
            if (
                not isinstance(node, ast.Name)
                or not isinstance(node.ctx, ast.Load)
                or node.id in bound
            ):
                continue
            if node.id == COMMENT:  # a comment, written out as one (codegen.py)
                continue
            if function.name in root_entries and (
                node.id in user_closure or node.id in parsed.globals
            ):
                continue
            if hasattr(builtins, node.id):
                continue
            where = context.parsed
            located = node if getattr(node, "lineno", None) else None
            raise where.error(
                UnsupportedSyntaxError,
                f"the derivative of {where.name} would read the name {node.id}, which is not defined where "
                "that code runs",
                located,
                hint=f"define {node.id} (at module level, before the derivative is called), or pass it to "
                f"{where.name} as an argument",
            )


def refuse_calls_of_variables(parsed: ParsedFunction) -> None:
    """A call of a parameter or of an assigned variable (not a local def or lambda) calls whatever the variable
    holds when the function runs, which is unknown when the derivative is generated: a located error, never the
    derivative of a global function of the same name."""
    from ..passes.normalize import local_functions

    defined = set(local_functions(parsed.node.body))
    for node in ast.walk(parsed.node):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in parsed.locals
            and node.func.id not in defined
        ):
            name = node.func.id
            what = "a parameter" if name in parameters(parsed.node) else "a variable"
            raise parsed.error(
                UnsupportedSyntaxError,
                f"srcdiff cannot differentiate a call of {name}, {what} of {parsed.name}: which function it holds "
                "is known only when the function runs",
                node,
                hint=f"call a function by its own name, or make {parsed.name} a closure over the function "
                "(def make(fn): def objective(x): return fn(x); return objective): each closure gets its own "
                "derivative",
            )


def find_free_globals(function: ast.FunctionDef, parsed: ParsedFunction, context: Context) -> dict:
    """The user's names the generated code reads at run time (not looked up when compiling: no guards)."""
    bound = set(parameters(function)) | set(context.injected)
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, ast.comprehension):
            bound |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
    free = {}
    recorder, parsed.recorder = parsed.recorder, None
    try:
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Name)
                and isinstance(node.ctx, ast.Load)
                and node.id not in bound
            ):
                value = parsed.resolve(node)
                if value is MISSING:
                    continue
                if getattr(builtins, node.id, MISSING) is value:
                    continue
                free[node.id] = value
    finally:
        parsed.recorder = recorder
    return free


def runtime_names(function: ast.FunctionDef, context: Context) -> set:
    return {
        node.attr
        for node in ast.walk(function)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == context.runtime
    }
