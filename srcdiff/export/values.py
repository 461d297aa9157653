"""What a standalone module can hold, written as Python source: numbers, strings, tuples, small numpy arrays,
and the modules and functions of numpy and the standard library, imported by name. Anything else is an
ExportError that says what could not be written and why.
"""

from __future__ import annotations

import importlib
import math
import sys
import types

import numpy as np

from .. import runtime
from ..errors import SrcdiffError

# Larger arrays would bury the gradient under numbers: they belong in a data file.
MAX_ARRAY_SIZE = 1000


class ExportError(SrcdiffError):
    """The derivative refers to something that cannot be written into a standalone module."""


_GENERATED = type("GeneratedFunction", (), {})()  # marks the names of the generated functions


def _import_module(name: str, module: types.ModuleType) -> str:
    if not _is_library(module.__name__):
        raise ExportError(
            f"cannot export: the gradient uses the module {module.__name__!r} (as {name!r}), and a "
            "standalone module may import only numpy and the standard library"
        )
    if name == module.__name__:
        return f"import {name}"
    return f"import {module.__name__} as {name}"


def _library_location(value) -> tuple[str, str] | None:
    """(module, attribute) from which numpy or the standard library exports ``value``, if it does."""
    module_name = getattr(value, "__module__", None)
    attribute = getattr(value, "__name__", None)
    if (
        not isinstance(module_name, str)
        or not isinstance(attribute, str)
        or not _is_library(module_name)
    ):
        return None
    try:
        found = getattr(importlib.import_module(module_name), attribute, None)
    except ImportError:
        return None
    return (module_name, attribute) if found is value else None


def _is_library(module_name: str) -> bool:
    top = module_name.partition(".")[0]
    return top == "numpy" or top in sys.stdlib_module_names


def _is_runtime_object(value) -> bool:
    name = getattr(value, "__name__", None)
    return isinstance(name, str) and getattr(value, "__module__", None) == runtime.__name__


def _literal(name: str, value) -> str:
    """Python source that evaluates to ``value`` (with numpy imported as np)."""
    if (
        isinstance(value, np.generic) and value.dtype.kind in "biufc"
    ):  # before float: float64 is one
        return f"np.{value.dtype.name}({_literal(name, value.item())})"
    if value is None or isinstance(value, (bool, int, str, bytes, complex)):
        return repr(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f'float("{value}")'
    if isinstance(value, (tuple, list)):
        items = [_literal(name, item) for item in value]
        if isinstance(value, tuple):
            return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
        return f"[{', '.join(items)}]"
    if isinstance(value, dict):
        items = [f"{_literal(name, k)}: {_literal(name, v)}" for k, v in value.items()]
        return "{" + ", ".join(items) + "}"
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
        if value.size > MAX_ARRAY_SIZE:
            raise ExportError(
                f"cannot export the array {name!r}: it has {value.size} elements, more than "
                f"{MAX_ARRAY_SIZE} that are written into the module",
                hint="load it from a file in the exported module instead, or pass it as an argument",
            )
        return f'np.array({_literal(name, value.tolist())}, dtype="{value.dtype.name}")'
    raise ExportError(
        f"cannot export the global {name!r}: {_describe(value)} cannot be written as Python source",
        hint="use numbers, strings, tuples, small numpy arrays, functions or numpy/standard library modules",
    )


def _same_literal(a, b) -> bool:
    try:
        return type(a) is type(b) and _literal("", a) == _literal("", b)
    except ExportError:
        return False


def _describe(value) -> str:
    if value is _GENERATED:
        return "a generated gradient function"
    if isinstance(value, (types.FunctionType, types.ModuleType, type)):
        return f"{type(value).__name__} {getattr(value, '__qualname__', value.__name__)}"
    return f"a value of type {type(value).__module__}.{type(value).__qualname__}"
