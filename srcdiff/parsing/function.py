"""A parsed function: the user's function with its syntax tree (line numbers those of the user's file), the
namespaces its names live in, and ``resolve``, which says what a name denotes and records the guards that keep
that answer true. Errors raised through ``error`` point at the user's line.
"""

from __future__ import annotations

import ast
import builtins
import linecache
from dataclasses import dataclass, field

from .guards import MISSING, TypeIs, attribute_guards, is_data


@dataclass
class ParsedFunction:
    """A user function with its syntax tree and the namespaces its names live in."""

    function: object
    node: ast.FunctionDef
    source: str  # the dedented source of the function alone
    filename: str
    closure: dict  # free variable name -> value
    # where resolve() records what each name it looked up denoted: (namespace, name, value) triples that
    # generated code assumes (see cache.py); set by the compilation that uses this function
    recorder: list | None = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def globals(self) -> dict:
        return self.function.__globals__

    def resolve(self, node: ast.AST):
        """The value a Name or dotted Attribute chain refers to when the function runs, or MISSING.

        A name the function binds itself (a parameter, an assigned variable) is a local: it denotes nothing
        before the function runs, whatever a global or closure variable of the same name holds. Each lookup
        is recorded (``recorder``), so that code generated from its answer is used only while it holds.
        """
        if isinstance(node, ast.Name):
            if node.id in self.locals:
                return MISSING
            code = self.function.__code__
            if node.id in self.closure and node.id in code.co_freevars:
                cell = self.function.__closure__[code.co_freevars.index(node.id)]
                value = self.closure[node.id]
                self._record(cell, None, self._expected(value))
                return value
            value = self.globals.get(node.id, MISSING)
            self._record(self.globals, node.id, self._expected(value))
            if value is MISSING:
                value = vars(builtins).get(node.id, MISSING)
                self._record(vars(builtins), node.id, value)
            return value
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            if base is MISSING:
                return MISSING
            value = getattr(base, node.attr, MISSING)
            if self.recorder is not None:
                self.recorder.extend(attribute_guards(base, node.attr, value))
            return value
        return MISSING

    # where a name's value is folded into generated code (a callee's globals, see compiler/callees.py),
    # the guard is on the value itself; elsewhere a name that holds data (an array, a list) is read when the
    # derivative runs, and only its type told the compiler anything
    exact: bool = field(default=False, repr=False, compare=False)

    def _expected(self, value):
        return value if self.exact or not is_data(value) else TypeIs(type(value))

    @property
    def locals(self) -> frozenset:
        """The names the function binds: its parameters and every name it assigns."""
        if self._locals is None or self._locals_of is not self.node:
            self._locals = frozenset(
                {a.arg for a in ast.walk(self.node.args) if isinstance(a, ast.arg)}
                | {
                    n.id
                    for n in ast.walk(self.node)
                    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
                }
            )
            self._locals_of = self.node
        return self._locals

    _locals: frozenset | None = None
    _locals_of: object = None

    def _record(self, namespace, name, value) -> None:
        if self.recorder is not None:
            self.recorder.append((namespace, name, value))

    def line(self, lineno: int | None) -> str | None:
        if lineno is None:
            return None
        return linecache.getline(self.filename, lineno) or None

    def error(self, cls, message: str, node: ast.AST | None = None, hint: str | None = None):
        """An exception of class ``cls`` located at ``node`` in the user's file."""
        lineno = getattr(node, "lineno", None) if node is not None else self.node.lineno
        col = getattr(node, "col_offset", None) if node is not None else None
        source_line = self.line(lineno)
        if col is not None:
            col += (
                self._indent_removed
            )  # the column in the file, whose lines were dedented for parsing
        return cls(
            message,
            filename=self.filename,
            lineno=lineno,
            col=col,
            source_line=source_line,
            hint=hint,
        )

    _indent_removed: int = 0
