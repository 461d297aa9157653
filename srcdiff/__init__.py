"""srcdiff: reverse-mode automatic differentiation of Python and numpy by source transformation."""

from . import rules as _rules  # noqa: F401  (fills the rule table)
from .api import grad, hessian, hvp, jacobian, jvp, source, value_and_grad, vjp
from .errors import (
    ChoiceError,
    InputTypeError,
    NonScalarOutputError,
    NoRuleError,
    SourceUnavailableError,
    SrcdiffError,
    UnsupportedSyntaxError,
    WrtError,
)
from .rules import defjvp, defvjp, nondifferentiable

__version__ = "0.1.0"


def __getattr__(name):
    # srcdiff.testing, srcdiff.cache and srcdiff.tree load on first use: most programs never need them
    if name in ("testing", "cache", "tree"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'srcdiff' has no attribute {name!r}")


__all__ = [
    "grad",
    "value_and_grad",
    "vjp",
    "jvp",
    "jacobian",
    "hessian",
    "hvp",
    "source",
    "defvjp",
    "defjvp",
    "nondifferentiable",
    "SrcdiffError",
    "SourceUnavailableError",
    "UnsupportedSyntaxError",
    "NoRuleError",
    "NonScalarOutputError",
    "WrtError",
    "InputTypeError",
    "ChoiceError",
]
