"""The record an entry holds, and the objects it names that the generated code reaches from outside.

An entry's body is a JSON record: the generated source and the names of its entry points, its file name, its
closure variables, its dependencies (see ``dependencies``), and the objects injected as closure variables, each
named so that another process finds the same object (``numpy``, ``=numpy.linalg.solve``, a helper of srcdiff's).
``_well_formed`` checks a record read back has every field, of the right type, before anything in it is used.
"""

from __future__ import annotations

import builtins
import inspect
import math
import sys

from .fingerprints import _library_name
from .state import _FORMAT, _SRCDIFF

_INJECTABLE = {"numpy": "numpy", "math": "math", "srcdiff.runtime": "runtime"}


def _injected_kind(value) -> str | None:
    """How an entry names an object the generated code reaches as a closure variable: ``numpy``, ``math`` or
    ``runtime`` for those modules, ``=numpy.linalg.solve`` for a function of numpy, math, the builtins or
    srcdiff itself; None for anything else (the entry is not written)."""
    if inspect.ismodule(value):
        return _INJECTABLE.get(value.__name__)
    library = _library_name(value)
    if (
        library is None
    ):  # a function of srcdiff's own (a rule's helper): its digest is in the entry's name
        module, name = getattr(value, "__module__", None), getattr(value, "__name__", None)
        if (
            isinstance(module, str)
            and module.startswith(_SRCDIFF + ".")
            and isinstance(name, str)
            and getattr(sys.modules.get(module), name, None) is value
        ):
            library = f"{module}.{name}"
    return "=" + library if library is not None else None


def _injected_value(kind):
    """The object an injected kind stands for in this process, or None for a kind srcdiff does not know."""
    import numpy

    from .. import runtime

    if not isinstance(kind, str):
        return None
    modules = {"numpy": numpy, "math": math, "runtime": runtime}
    if kind in modules:
        return modules[kind]
    roots = {"numpy": numpy, "numpy.linalg": numpy.linalg, "math": math, "builtins": builtins}
    root, _, name = kind[1:].rpartition(".")
    if root.startswith(_SRCDIFF + ".") and sys.modules.get(root) is not None:
        roots[root] = sys.modules[root]
    if not kind.startswith("=") or root not in roots or not name.isidentifier():
        return None
    value = getattr(roots[root], name, None)
    return value if value is not None and not inspect.ismodule(value) else None


def _is_name(value) -> bool:
    return isinstance(value, str) and value.isidentifier()


def _well_formed(record) -> bool:
    """Whether ``record`` has every field of an entry, of the right type."""
    if not isinstance(record, dict):
        return False
    try:
        return (
            record["format"] == _FORMAT
            and isinstance(record["key"], str)
            and isinstance(record["source"], str)
            and _is_name(record["entry"])
            and (record["floats_entry"] is None or _is_name(record["floats_entry"]))
            and isinstance(record["filename"], str)
            and record["filename"].startswith("<srcdiff")
            and isinstance(record["injected"], dict)
            and all(
                _is_name(k) and _injected_value(v) is not None
                for k, v in record["injected"].items()
            )
            and isinstance(record["free_vars"], list)
            and all(_is_name(v) for v in record["free_vars"])
            and isinstance(record["dependencies"], dict)
            and isinstance(record["dependencies"].get("environment"), dict)
            and isinstance(record["dependencies"].get("guards"), list)
            and all(
                isinstance(g, dict)
                and isinstance(g.get("where"), list)
                and g["where"]
                and all(isinstance(part, str) for part in g["where"])
                and (g.get("reads") is None or isinstance(g["reads"], dict))
                for g in record["dependencies"]["guards"]
            )
        )
    except (KeyError, TypeError):
        return False
