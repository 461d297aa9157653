"""Readable, collision-free names for generated code.

Adjoints follow Griewank and Walther's convention: ``bx`` is the adjoint of ``x``. Temporaries are ``_t1``,
``_t2``... in order of creation, so the same input always gives the same names.
"""

from __future__ import annotations

import ast


def names_in(node: ast.AST) -> set:
    """Every identifier that appears in ``node`` (variables, parameters, function names)."""
    found = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            found.add(child.id)
        elif isinstance(child, ast.arg):
            found.add(child.arg)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.add(child.name)
    return found


class Namer:
    """Hands out names that clash neither with the user's names nor with each other."""

    def __init__(self, reserved=()):
        self.taken = set(reserved)
        self._counters: dict = {}
        self._adjoints: dict = {}
        self._primals: dict = {}

    def reserve(self, *names: str) -> None:
        self.taken.update(names)

    def fresh(self, stem: str = "_t") -> str:
        """A new numbered name: ``_t1``, ``_t2``..."""
        while True:
            self._counters[stem] = self._counters.get(stem, 0) + 1
            name = f"{stem}{self._counters[stem]}"
            if name not in self.taken:
                self.taken.add(name)
                return name

    def unique(self, name: str) -> str:
        """``name`` itself if free, else ``name_1``, ``name_2``..."""
        candidate, index = name, 0
        while candidate in self.taken:
            index += 1
            candidate = f"{name}_{index}"
        self.taken.add(candidate)
        return candidate

    def adjoint(self, name: str) -> str:
        """The adjoint variable of ``name``: ``bx`` for ``x``, ``b_t1`` for ``_t1``."""
        if name not in self._adjoints:
            self._adjoints[name] = self.unique("b" + name)
            self._primals[self._adjoints[name]] = name
        return self._adjoints[name]

    def primal(self, adjoint: str) -> str:
        """The variable whose adjoint is ``adjoint``."""
        return self._primals[adjoint]
