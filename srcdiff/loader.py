"""Compile generated source into a function that reads the user's globals and closure live.

Called by the compiler (``compiler.cached``) for each derivative it hands out, by the disk cache to check that
a stored text still compiles, and by ``callers`` to register the callers' text.

The generated text is registered in ``linecache`` under a descriptive pseudo-filename, so tracebacks, pdb and
``inspect.getsource`` show the generated lines.
"""

from __future__ import annotations

import ast
import linecache
import types

_FACTORY = "__srcdiff_factory__"


def register_text(filename: str, text: str) -> None:
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)


def compile_entry(text: str, filename: str, entry, injected: dict, free_vars: tuple):
    """Function ``entry`` of ``text`` (a tuple of them for a tuple of names), closing over the injected names.

    The defs are wrapped in a factory whose parameters are the injected names and the user's free variables,
    so generated code reaches them as closure variables while its globals stay the user's module globals.
    """
    module = ast.parse(text, filename=filename)
    for node in module.body:
        if isinstance(node, ast.FunctionDef):
            # defaults are set from the user's function when the function is made, not evaluated here
            node.args.defaults = []
            node.args.kw_defaults = [None] * len(node.args.kw_defaults)
    parameters = list(injected) + [v for v in free_vars if v not in injected]
    factory = ast.FunctionDef(
        name=_FACTORY,
        args=ast.arguments(
            posonlyargs=[],
            args=[ast.arg(arg=p) for p in parameters],
            vararg=None,
            kwonlyargs=[],
            kw_defaults=[],
            kwarg=None,
            defaults=[],
        ),
        body=module.body + [ast.Return(value=_names(entry))],
        decorator_list=[],
        returns=None,
        type_params=[],
    )
    wrapper = ast.Module(body=[factory], type_ignores=[])
    ast.fix_missing_locations(wrapper)
    namespace: dict = {}
    exec(compile(wrapper, filename, "exec"), namespace)
    values = [injected.get(p) for p in parameters]
    inner = namespace[_FACTORY](*values)
    register_text(filename, text)
    return inner


def _names(entry) -> ast.expr:
    if isinstance(entry, str):
        return ast.Name(id=entry, ctx=ast.Load())
    return ast.Tuple(elts=[ast.Name(id=e, ctx=ast.Load()) for e in entry], ctx=ast.Load())


def bind(inner, user_function, name: str, qualname: str, defaults: bool = True):
    """``inner``'s code as a function of the user's globals, sharing the user's closure cells (and, with
    ``defaults``, its default argument values: not for functions whose parameters extend the user's).
    """
    user_cells = {}
    if user_function.__closure__:
        user_cells = dict(zip(user_function.__code__.co_freevars, user_function.__closure__))
    inner_cells = dict(zip(inner.__code__.co_freevars, inner.__closure__ or ()))
    closure = tuple(user_cells.get(v, inner_cells.get(v)) for v in inner.__code__.co_freevars)
    function = types.FunctionType(
        inner.__code__,
        user_function.__globals__,
        name,
        user_function.__defaults__ if defaults else None,
        closure or None,
    )
    function.__kwdefaults__ = user_function.__kwdefaults__ if defaults else None
    function.__qualname__ = qualname
    function.__module__ = user_function.__module__
    return function
