"""Readable, collision-free names for generated code.

Adjoints follow Griewank and Walther's convention: ``bx`` is the adjoint of ``x``. Temporaries are ``_t1``,
``_t2``... in order of creation, so the same input always gives the same names.
"""

from __future__ import annotations

import ast
import re

# what ``Namer.fresh`` makes: an underscore, a stem, a number
_TEMPORARY = re.compile(r"_[A-Za-z]+[0-9]+")


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
        self._temporaries: set = set()

    def reserve(self, *names: str) -> None:
        self.taken.update(names)

    def fresh(self, stem: str = "_t") -> str:
        """A new numbered name: ``_t1``, ``_t2``..."""
        while True:
            self._counters[stem] = self._counters.get(stem, 0) + 1
            name = f"{stem}{self._counters[stem]}"
            if name not in self.taken:
                self.taken.add(name)
                self._temporaries.add(name)
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

    def is_temporary(self, name: str) -> bool:
        """Whether ``fresh`` made ``name``."""
        return name in self._temporaries

    def is_adjoint(self, name: str) -> bool:
        """Whether ``adjoint`` made ``name``."""
        return name in self._primals


class NamingConvention:
    """What generated names say about themselves, for code whose ``Namer`` is not at hand; answers the same
    questions as a ``Namer``.

    ``primal`` holds the names of the code being differentiated (the user's and its normal form's). A temporary
    is spelled as ``Namer.fresh`` spells it (``_t1``); an adjoint is ``b`` and a primal name, possibly with the
    suffix ``unique`` adds (``bx``, ``b_t1``, ``bx_1``), and is not itself a primal name: the ``Namer`` hands out
    adjoints after the primal names are taken. A name of the user's spelled like a temporary (``_t1``) passes for
    one."""

    def __init__(self, primal):
        self.primal = frozenset(primal)

    def is_temporary(self, name: str) -> bool:
        return _TEMPORARY.fullmatch(name) is not None

    def is_adjoint(self, name: str) -> bool:
        if name in self.primal or not name.startswith("b"):
            return False
        stem = name[1:]
        return stem in self.primal or re.sub(r"_[0-9]+$", "", stem) in self.primal
