"""The on-disk cache of generated derivatives (opt-in), so that a new process reuses the generated code."""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import sys
import tempfile

# ---- on disk ---------------------------------------------------------------------------------------------------
#
# Opt-in (grad(f, cache=True), or the SRCDIFF_CACHE_DIR environment variable), so that a new process reuses the
# generated code. An entry is keyed by everything the code depends on (srcdiff's, Python's and numpy's versions,
# the function's file, name and source, wrt, the options, the rule table) and records the sources of the helper
# functions it differentiated: a changed helper is a miss, never stale code.

_FORMAT = 1
_INJECTABLE = {"numpy": "numpy", "math": "math", "srcdiff.runtime": "runtime"}


def disk_directory(setting) -> str | None:
    """The cache folder for a ``cache=`` setting: a path, True for the default, None to ask the environment."""
    if setting is None:
        return os.environ.get("SRCDIFF_CACHE_DIR") or None
    if setting is False:
        return None
    if setting is True:
        return os.environ.get("SRCDIFF_CACHE_DIR") or os.path.join(
            os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "srcdiff")
    return os.fspath(setting)


def _rules_fingerprint() -> str:
    from .rules import registry

    parts = []
    for rule in registry._RULES.values():
        if (getattr(rule.vjp, "__module__", None) or "").startswith(__package__ + "."):
            continue  # srcdiff's own rules: covered by its version
        try:
            text = inspect.getsource(rule.vjp) if rule.vjp is not None else "-"
        except (OSError, TypeError):
            text = repr(rule.vjp)
        parts.append(f"{rule.name}:{text}")
    return hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()


def _disk_key(function, wrt: tuple, options: tuple) -> str | None:
    import numpy

    from . import __version__

    code = function.__code__
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return None
    material = repr((_FORMAT, __version__, sys.version_info[:2], numpy.__version__, code.co_filename,
                     code.co_qualname if hasattr(code, "co_qualname") else code.co_name, source, wrt, options,
                     _rules_fingerprint()))
    return hashlib.sha256(material.encode()).hexdigest()


def _source_digest(function) -> str | None:
    try:
        return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()
    except (OSError, TypeError):
        return None


def load(directory: str, function, wrt: tuple, options: tuple):
    """The derivative stored for ``function``, or None (missing, unreadable, or made for other helpers)."""
    from .compiler import Derivative

    digest = _disk_key(function, wrt, options)
    if digest is None:
        return None
    path = os.path.join(directory, digest + ".json")
    try:
        with open(path, encoding="utf-8") as handle:
            record = json.load(handle)
    except (OSError, ValueError):
        return None
    namespace = function.__globals__
    guards = []
    for name, expected in record["dependencies"].items():
        helper = namespace.get(name)
        if helper is None or _source_digest(helper) != expected:
            return None
        guards.append((namespace, name, helper))
    modules = {"numpy": sys.modules["numpy"], "math": sys.modules["math"],
               "runtime": sys.modules[__package__ + ".runtime"]}
    return Derivative(
        source=record["source"], entry=record["entry"], free_globals={}, runtime_names=set(),
        injected={name: modules[kind] for name, kind in record["injected"].items()},
        free_vars=tuple(record["free_vars"]), stages={"optimized": record["source"]},
        filename=record["filename"], guards=guards, floats_entry=record["floats_entry"],
    )


def store(directory: str, function, wrt: tuple, options: tuple, derivative) -> bool:
    """Write ``derivative`` for ``function`` atomically; False where it depends on objects that have no name
    to find them by in a new process (a rule of the user's, a helper from a closure)."""
    digest = _disk_key(function, wrt, options)
    if digest is None:
        return False
    injected = {}
    for name, value in derivative.injected.items():
        kind = _INJECTABLE.get(getattr(value, "__name__", None)) if inspect.ismodule(value) else None
        if kind is None:
            return False
        injected[name] = kind
    dependencies = {}
    for namespace, name, value in derivative.guards:
        if namespace is not function.__globals__ or name is None or _source_digest(value) is None:
            return False
        dependencies[name] = _source_digest(value)
    record = {"format": _FORMAT, "source": derivative.source, "entry": derivative.entry,
              "floats_entry": derivative.floats_entry, "filename": derivative.filename, "injected": injected,
              "free_vars": list(derivative.free_vars), "dependencies": dependencies}
    try:
        os.makedirs(directory, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(record, stream)
        os.replace(temporary, os.path.join(directory, digest + ".json"))
    except OSError:
        return False
    return True
