"""What every pass of one compilation shares: the parsed function, the namer, the injected names."""

from __future__ import annotations

import ast
import inspect
import math
import types

import numpy as np

from . import runtime
from .naming import Namer, names_in
from .parsing import MISSING, ParsedFunction, attribute_guards


class Module:
    """What the functions generated in one compilation share.

    The gradient function and the derivatives of the functions it calls are compiled into one module: they
    share the injected names (numpy, the runtime, rules) and call each other by name.
    """

    def __init__(self, globals_: dict | None = None, kind: str = "vjp"):
        self.globals = (
            globals_  # the namespace the generated module runs in: the gradient's user module
        )
        self.kind = (
            kind  # what callees get: "vjp" functions (reverse mode) or "jvp" functions (forward)
        )
        self.injected: dict = {}  # name in generated code -> the object it stands for
        self.derivatives: dict = {}  # user function -> name of its generated vjp function
        self.pending: list = []  # user functions whose vjp functions are still to be generated
        self.guards: list = []  # (namespace, name, object): the helpers the generated code calls
        # everything the generated code assumes (see cache.py): each lookup of a name by any context of this
        # compilation, each callee's code and defaults, each value folded in
        self.assumptions: list = []
        self.root = None  # the ParsedFunction of the function differentiated (set by the compiler)

    def request(self, function, context: "Context") -> str:
        """The name of the derivative (vjp, or jvp in forward mode) of ``function``, scheduling it to be
        generated if it is new."""
        if function not in self.derivatives:
            name = getattr(function, "__name__", "function").strip("<>")
            taken = set(self.injected) | set(self.derivatives.values()) | context.namer.taken
            candidate, index = f"{self.kind}_{name}", 0
            while candidate in taken:
                index += 1
                candidate = f"{self.kind}_{name}_{index}"
            self.derivatives[function] = candidate
            self.pending.append(function)
        context.namer.reserve(self.derivatives[function])
        return self.derivatives[function]


class Context:
    """The state of compiling one function, handed from pass to pass."""

    def __init__(self, parsed: ParsedFunction, module: Module | None = None):
        self.parsed = parsed
        self.module = module if module is not None else Module(parsed.globals)
        parsed.recorder = self.module.assumptions
        self.namer = Namer(names_in(parsed.node) | set(self.module.derivatives.values()))
        self.injected = self.module.injected
        self.local_functions: dict = (
            {}
        )  # name -> LocalFunction, for defs inside the function (passes/normalize/lift.py)
        self.numpy = self.inject(np, "np")
        self.runtime = self.inject(runtime, "_rt")

    def inject(self, value, preferred: str) -> str:
        """A name under which generated code reaches ``value`` (shared with the user's when it is the same)."""
        if self.parsed.recorder is not None and preferred not in self._user_names():
            # what the user's namespaces hold under a name the function does not use is no assumption
            recorder, self.parsed.recorder = self.parsed.recorder, None
            try:
                return self._inject(value, preferred)
            finally:
                self.parsed.recorder = recorder
        return self._inject(value, preferred)

    def _user_names(self) -> set:
        if not hasattr(self, "_names"):
            self._names = names_in(self.parsed.node)
        return self._names

    def _inject(self, value, preferred: str) -> str:
        stored = self._stored_names()
        for name, existing in self.injected.items():
            if (
                existing is value
                and name not in stored
                and (
                    name not in self.namer.taken
                    or name == preferred
                    or self.parsed.resolve(ast.Name(id=name)) is value
                )
            ):
                self.namer.reserve(name)
                return name
        user_value = self.parsed.resolve(ast.Name(id=preferred))
        if (preferred in self.namer.taken and user_value is not value) or (
            preferred in self.injected and self.injected[preferred] is not value
        ):
            stem, index = "_" + preferred.lstrip("_"), 0
            preferred = stem
            while preferred in self.namer.taken or preferred in self.injected:
                index += 1
                preferred = f"{stem}{index}"
        self.namer.reserve(preferred)
        self.injected[preferred] = value
        return preferred

    def _stored_names(self) -> set:
        """The function's parameters and the names it assigns: its locals."""
        if not hasattr(self, "_locals"):
            from .analysis.defuse import local_names

            self._locals = local_names(self.parsed.node)
        return self._locals

    def binding(self, node: ast.AST, value) -> tuple:
        """Where the name ``node`` gets ``value`` when the function runs: (namespace or cell, name, value).

        Generated code that inlines what ``value`` does is valid only while that binding holds.
        """
        if isinstance(node, ast.Name):
            function = self.parsed.function
            if node.id in function.__code__.co_freevars:
                index = function.__code__.co_freevars.index(node.id)
                return (function.__closure__[index], None, value)
            if node.id in self.parsed.globals:
                return (self.parsed.globals, node.id, value)
        return (None, None, value)

    def resolve(self, node: ast.AST):
        """The object a Name or dotted Attribute chain denotes, looking at injected names first."""
        if isinstance(node, ast.Name) and node.id in self.local_functions:
            return self.local_functions[node.id]
        if isinstance(node, ast.Name) and node.id in self.injected:
            return self.injected[node.id]
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            if base is MISSING:
                return MISSING
            value = getattr(base, node.attr, MISSING)
            self.module.assumptions.extend(attribute_guards(base, node.attr, value))
            return value
        return self.parsed.resolve(node)

    def reference(self, value) -> ast.expr:
        """An expression that evaluates to ``value`` in generated code (numpy, math, runtime helpers)."""
        if value is np:
            return ast.Name(id=self.numpy, ctx=ast.Load())
        if value is math:
            return ast.Name(id=self.inject(math, "math"), ctx=ast.Load())
        if isinstance(value, types.FunctionType) and value.__module__ == runtime.__name__:
            return ast.Attribute(
                value=ast.Name(id=self.runtime, ctx=ast.Load()), attr=value.__name__, ctx=ast.Load()
            )
        module = getattr(value, "__module__", None)
        name = getattr(value, "__name__", None)
        if name and module and module.startswith("numpy") and getattr(np, name, None) is value:
            return ast.Attribute(
                value=ast.Name(id=self.numpy, ctx=ast.Load()), attr=name, ctx=ast.Load()
            )
        if name and getattr(np.linalg, name, None) is value:
            return ast.Attribute(
                value=ast.Attribute(
                    value=ast.Name(id=self.numpy, ctx=ast.Load()), attr="linalg", ctx=ast.Load()
                ),
                attr=name,
                ctx=ast.Load(),
            )
        if name and getattr(math, name, None) is value:
            return ast.Attribute(value=self.reference(math), attr=name, ctx=ast.Load())
        return ast.Name(id=self.inject(value, "_" + (name or "f").strip("_<>")), ctx=ast.Load())


class LocalFunction:
    """A lifted local function: what the compiler needs of a callee, without a function object."""

    def __init__(self, parsed: ParsedFunction, node: ast.FunctionDef, siblings: dict):
        self.parsed = parsed
        self.siblings = siblings  # the local functions it may call (itself included)
        self.__name__ = self.__qualname__ = node.name
        parameters = []
        args = node.args
        defaults = [None] * (len(args.args) - len(args.defaults)) + list(args.defaults)
        for arg, default in zip(args.args, defaults):
            value = inspect.Parameter.empty if default is None else default.value
            parameters.append(
                inspect.Parameter(arg.arg, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=value)
            )
        parameters += [
            inspect.Parameter(arg.arg, inspect.Parameter.KEYWORD_ONLY) for arg in args.kwonlyargs
        ]
        self.__signature__ = inspect.Signature(parameters)

    def __call__(self, *args, **kwargs):  # only its signature is ever used
        raise TypeError(f"the lifted local function {self.__name__} is not called directly")
