"""The adjoint rule table: data, one file per family. Importing this package fills the table."""

from . import (
    builtins_rules,
    math_rules,
    numpy_rules,
    operators,
)  # noqa: F401  (they register rules)
from . import forward  # noqa: F401,E402  (after the reverse rules: it annotates them)
from .registry import Rule, defjvp, defvjp, lookup, nondifferentiable, version

__all__ = ["Rule", "defjvp", "defvjp", "lookup", "nondifferentiable", "version"]
