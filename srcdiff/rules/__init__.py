"""The adjoint rule table: data, one file per family. Importing this package fills the table."""

from . import builtins_rules, math_rules, numpy_rules, operators  # noqa: F401  (they register rules)
from .registry import Rule, defvjp, lookup, nondifferentiable, version

__all__ = ["Rule", "defvjp", "lookup", "nondifferentiable", "version"]
