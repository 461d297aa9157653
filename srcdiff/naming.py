"""Readable, collision-free names for generated code.

Adjoints follow Griewank and Walther's convention: ``bx`` is the adjoint of ``x``. Temporaries are ``_t1``,
``_t2``... in order of creation, so the same input always gives the same names.
"""

from __future__ import annotations

import ast
import re

# what ``Namer.fresh`` makes (an underscore, a stem, a number), possibly prefixed with the name of the function
# it was inlined from (``square__t1``) or suffixed by ``Namer.unique`` (``_t1_1``)
_TEMPORARY = re.compile(r"(?:\w+_)?_[A-Za-z]+[0-9]+(?:_[0-9]+)?")
_UNIQUE_SUFFIX = re.compile(r"_[0-9]+$")


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

    def unique(self, name: str, temporary: bool = False) -> str:
        """``name`` itself if free, else ``name_1``, ``name_2``...; ``temporary`` marks it as one of the
        temporaries (a helper's ``_t1`` inlined as ``square__t1``)."""
        candidate, index = name, 0
        while candidate in self.taken:
            index += 1
            candidate = f"{name}_{index}"
        self.taken.add(candidate)
        if temporary:
            self._temporaries.add(candidate)
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
        """Whether ``fresh`` made ``name`` (or ``unique``, told it is a temporary)."""
        return name in self._temporaries

    def is_adjoint(self, name: str) -> bool:
        """Whether ``adjoint`` made ``name``."""
        return name in self._primals

    def is_written(self, name: str) -> bool:
        """Whether ``name`` is one the user wrote (or a renamed version of one): not one this Namer made up."""
        return not self.is_temporary(name) and not self.is_adjoint(name)


class NamingConvention:
    """What generated names say about themselves, for code whose ``Namer`` is not at hand; answers the same
    questions as a ``Namer``.

    ``primal`` holds the names of the code being differentiated (the user's and its normal form's). A temporary
    is spelled as ``Namer.fresh`` spells it (``_t1``). An adjoint is ``b`` and a primal name, possibly with the
    suffix ``unique`` adds (``bx``, ``b_t1``, ``bx_1``), and is not itself a primal name: the ``Namer`` hands out
    adjoints after the primal names are taken. Where the names cannot tell, each answer errs on the side that
    leaves the code as it is: a user's ``_t1`` passes for a temporary and is not written, a user's ``beta`` next
    to ``eta`` is not an adjoint and, spelled like one, is not written either."""

    def __init__(self, primal):
        self.primal = frozenset(primal)

    def is_temporary(self, name: str) -> bool:
        return _TEMPORARY.fullmatch(name) is not None

    def is_adjoint(self, name: str) -> bool:
        return name not in self.primal and self._spelled_as_adjoint(name)

    def is_written(self, name: str) -> bool:
        # the code differentiated may itself be generated (a gradient, for a Hessian): its adjoints are primal
        return not self.is_temporary(name) and not self._spelled_as_adjoint(name)

    def _spelled_as_adjoint(self, name: str) -> bool:
        stem = name[1:]
        return name.startswith("b") and (
            stem in self.primal or _UNIQUE_SUFFIX.sub("", stem) in self.primal
        )
