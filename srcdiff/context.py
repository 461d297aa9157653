"""What every pass of one compilation shares: the parsed function, the namer, the injected names."""

from __future__ import annotations

import ast
import math
import types

import numpy as np

from . import runtime
from .naming import Namer, names_in
from .parsing import MISSING, ParsedFunction


class Context:
    """The state of one compilation, handed from pass to pass."""

    def __init__(self, parsed: ParsedFunction):
        self.parsed = parsed
        self.namer = Namer(names_in(parsed.node))
        self.injected: dict = {}  # name in generated code -> the object it stands for
        self.numpy = self.inject(np, "np")
        self.runtime = self.inject(runtime, "_rt")

    def inject(self, value, preferred: str) -> str:
        """A name under which generated code reaches ``value`` (shared with the user's when it is the same)."""
        for name, existing in self.injected.items():
            if existing is value:
                return name
        user_value = self.parsed.resolve(ast.Name(id=preferred))
        if preferred in self.namer.taken and user_value is not value:
            preferred = self.namer.unique("_" + preferred.lstrip("_"))
        self.namer.reserve(preferred)
        self.injected[preferred] = value
        return preferred

    def resolve(self, node: ast.AST):
        """The object a Name or dotted Attribute chain denotes, looking at injected names first."""
        if isinstance(node, ast.Name) and node.id in self.injected:
            return self.injected[node.id]
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return MISSING if base is MISSING else getattr(base, node.attr, MISSING)
        return self.parsed.resolve(node)

    def reference(self, value) -> ast.expr:
        """An expression that evaluates to ``value`` in generated code (numpy, math, runtime helpers)."""
        if value is np:
            return ast.Name(id=self.numpy, ctx=ast.Load())
        if value is math:
            return ast.Name(id=self.inject(math, "math"), ctx=ast.Load())
        if isinstance(value, types.FunctionType) and value.__module__ == runtime.__name__:
            return ast.Attribute(value=ast.Name(id=self.runtime, ctx=ast.Load()), attr=value.__name__,
                                 ctx=ast.Load())
        module = getattr(value, "__module__", None)
        name = getattr(value, "__name__", None)
        if name and module and module.startswith("numpy") and getattr(np, name, None) is value:
            return ast.Attribute(value=ast.Name(id=self.numpy, ctx=ast.Load()), attr=name, ctx=ast.Load())
        if name and getattr(np.linalg, name, None) is value:
            return ast.Attribute(
                value=ast.Attribute(value=ast.Name(id=self.numpy, ctx=ast.Load()), attr="linalg",
                                    ctx=ast.Load()),
                attr=name, ctx=ast.Load())
        if name and getattr(math, name, None) is value:
            return ast.Attribute(value=self.reference(math), attr=name, ctx=ast.Load())
        return ast.Name(id=self.inject(value, "_" + (name or "f").strip("_<>")), ctx=ast.Load())
