"""The adjoint rule table: data, one file per family. Importing this package fills the table.

The reverse rules first (``operators``, ``builtins_rules``, ``math_rules``, and ``numpy_rules`` with the numpy
families it imports), then forward mode, which annotates them: ``forward`` declares each primal's kind, and
``forward_numpy`` and ``forward_cotangents`` register the forward rules of the rest.
"""

from . import (
    builtins_rules,
    math_rules,
    numpy_rules,
    operators,
)  # noqa: F401  (they register rules)
from . import forward  # noqa: F401,E402  (after the reverse rules: it annotates them)
from . import forward_numpy, forward_cotangents  # noqa: F401,E402  (the forward rules)
from .registry import Rule, defjvp, defvjp, lookup, nondifferentiable, version

__all__ = ["Rule", "defjvp", "defvjp", "lookup", "nondifferentiable", "version"]
