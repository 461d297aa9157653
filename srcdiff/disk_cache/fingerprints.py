"""The name of an entry, and the fingerprints it is built from: what the generated code depends on.

An entry's name (``_disk_key``) is a digest of the function's identity (module, qualified name, resolved file,
line, digests of its source and of its code), wrt, the options, the rule table's fingerprint, and the versions of
srcdiff (with a digest of its own source), Python and numpy. A fingerprint says what a value is in terms another
process can check: a module by name, a function of numpy, math or the builtins by where they export it, a
function of the user's by its identity, a constant by its value. None wherever a value cannot be recognised in
another process (then nothing is written).
"""

from __future__ import annotations

import builtins
import hashlib
import inspect
import math
import os
import re
import sys
import types

from .state import _FORMAT, _SRCDIFF, _memo


def _srcdiff_digest() -> str:
    """srcdiff's version and a digest of its own source files: a changed srcdiff generates code anew."""
    if None not in _memo:
        from .. import __version__

        digest = hashlib.sha256(__version__.encode())
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # srcdiff's folder
        for folder, subfolders, files in sorted(os.walk(root)):
            subfolders.sort()
            for name in sorted(files):
                if name.endswith(".py"):
                    digest.update(os.path.relpath(os.path.join(folder, name), root).encode())
                    try:
                        with open(os.path.join(folder, name), "rb") as handle:
                            digest.update(handle.read())
                    except OSError:
                        pass
        _memo[None] = digest.hexdigest()
    return _memo[None]


def _callable_name(value) -> str:
    return f"{getattr(value, '__module__', None)}.{getattr(value, '__qualname__', getattr(value, '__name__', '?'))}"


def _rules_fingerprint() -> str:
    """A digest of the rule table: for each rule its primal, and the identity (and, for rules of the user's,
    the source) of its reverse and forward rules."""
    from ..rules import registry

    version = registry.version()
    if version in _memo:
        return _memo[version]
    own = _SRCDIFF + "."
    parts = []
    for rule in list(registry._RULES.values()):
        functions = [rule.vjp]
        if rule.forward is not None and rule.forward[0] == "rule":
            functions.append(rule.forward[1])
        texts = []
        for function in functions:
            if function is None:
                texts.append("-")
                continue
            text = _callable_name(function)
            if not (getattr(function, "__module__", None) or "").startswith(
                own
            ):  # srcdiff's: its digest
                try:
                    text += ":" + inspect.getsource(function)
                except (OSError, TypeError):
                    text += ":" + repr(function)
            texts.append(text)
        forward = rule.forward[0] if rule.forward is not None else "-"
        part = f"{_library_name(rule.primal) or rule.name}|{forward}|{'|'.join(texts)}"
        # without the addresses in reprs like <numpy...CClass object at 0x7f...>: they differ between processes
        parts.append(re.sub(r" at 0x[0-9a-fA-F]+", "", part))
    fingerprint = hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()
    _memo[version] = fingerprint
    return fingerprint


def _library_name(value) -> str | None:
    """``numpy.tanh``, ``numpy.linalg.norm``, ``math.exp``, ``builtins.abs`` for those objects, else None."""
    import numpy

    name = getattr(value, "__name__", None)
    if not isinstance(name, str):
        return None
    for prefix, module in (
        ("numpy", numpy),
        ("numpy.linalg", numpy.linalg),
        ("math", math),
        ("builtins", builtins),
    ):
        try:
            if getattr(module, name, None) is value:
                return f"{prefix}.{name}"
        except Exception:
            return None
    return None


def _identity(function) -> list | None:
    """What names a function of the user's and what it does: module, qualified name, resolved file, first
    line, and digests of its source and of its code; None where there is no source."""
    if not isinstance(function, types.FunctionType):
        return None
    try:
        source = inspect.getsource(function)
        filename = inspect.getsourcefile(function) or function.__code__.co_filename
    except (OSError, TypeError):
        return None
    # the source as the file reads now, and the code that runs (they differ when the file was edited since)
    return [
        "function",
        function.__module__,
        function.__qualname__,
        os.path.realpath(filename),
        function.__code__.co_firstlineno,
        hashlib.sha256(source.encode()).hexdigest(),
        _code_digest(function.__code__),
    ]


def _fingerprint(value) -> list | None:
    """What the generated code assumed about the value of a name it read; None for a value that cannot be
    recognised in another process (a callable object, a function without source)."""
    if inspect.ismodule(value):
        return ["module", value.__name__]
    library = _library_name(value)
    if library is not None:
        return ["library", library]
    if isinstance(value, types.FunctionType):
        return _identity(value)
    if isinstance(value, type):
        return ["class", value.__module__, value.__qualname__]
    if isinstance(value, types.BuiltinFunctionType):
        return ["builtin", _callable_name(value)]
    if callable(value):
        return None
    return ["value", type(value).__module__, type(value).__qualname__]


def _disk_key(function, wrt: tuple, options: tuple) -> str | None:
    """The name of the entry for (function, wrt, options) in this srcdiff, Python, numpy and rule table."""
    import numpy

    identity = _identity(function)
    if identity is None:
        return None
    material = repr(
        (
            _FORMAT,
            _srcdiff_digest(),
            sys.implementation.cache_tag,
            sys.version_info[:3],
            numpy.__version__,
            identity,
            wrt,
            options,
            _rules_fingerprint(),
        )
    )
    return hashlib.sha256(material.encode()).hexdigest()


def _code_digest(code) -> str:
    """A digest of a code object that is the same in every process running the same Python."""
    digest = hashlib.sha256()
    for attribute in (
        "co_argcount",
        "co_posonlyargcount",
        "co_kwonlyargcount",
        "co_flags",
        "co_code",
        "co_names",
        "co_varnames",
        "co_freevars",
        "co_cellvars",
        "co_filename",
        "co_name",
        "co_firstlineno",
    ):
        digest.update(repr(getattr(code, attribute, None)).encode() + b"\0")
    for constant in code.co_consts:
        digest.update(_constant_text(constant).encode() + b"\0")
    return digest.hexdigest()


def _constant_text(constant) -> str:
    """A constant of a code object as text that does not depend on the process (a frozenset's order does)."""
    if isinstance(constant, types.CodeType):
        return "code:" + _code_digest(constant)
    if isinstance(constant, tuple):
        return "(" + ",".join(_constant_text(item) for item in constant) + ")"
    if isinstance(constant, frozenset):
        return "frozenset(" + ",".join(sorted(_constant_text(item) for item in constant)) + ")"
    return f"{type(constant).__name__}:{constant!r}"


_CONSTANTS = (bool, int, float, complex, str, bytes, type(None), type(Ellipsis))


def _value_fingerprint(value) -> list | None:
    """What a guard assumed of a value: its identity, or for constants (a default folded in) the value
    itself. None where the value cannot be recognised in another process."""
    from ..parsing import MISSING

    if value is MISSING:
        return ["missing"]
    if isinstance(value, _CONSTANTS):
        return ["constant", type(value).__name__, repr(value)]
    if isinstance(value, (tuple, frozenset)):
        items = [_value_fingerprint(item) for item in value]
        if None in items:
            return None
        return [
            type(value).__name__,
            sorted(items, key=repr) if isinstance(value, frozenset) else items,
        ]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            return None
        items = [[key, _value_fingerprint(item)] for key, item in sorted(value.items())]
        return None if any(item is None for _, item in items) else ["dict", items]
    if isinstance(value, types.CodeType):
        return ["code", _code_digest(value)]
    if type(value).__module__ == "numpy" and type(value).__name__ == "ndarray":
        return ["array", value.dtype.str, list(value.shape)]
    return _fingerprint(value)
