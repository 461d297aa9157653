"""The in-memory cache of compiled derivatives (the on-disk one is in ``disk_cache``).

A key holds everything the generated code depends on: the function's source and file, wrt, the options and the
version of the rule table. A redefined function has a new source, so it never gets a stale derivative.
"""

from __future__ import annotations

import inspect
import os
import threading

from .rules import version as rules_version

_ENTRIES: dict = {}
_LOCK = threading.Lock()
stats = {"hits": 0, "misses": 0}


def key(function, wrt: tuple, options: tuple) -> tuple:
    code = function.__code__
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        source = None
    return (code.co_filename, code.co_firstlineno, code.co_qualname if hasattr(code, "co_qualname")
            else code.co_name, source, wrt, options, rules_version())


def guards_hold(guards) -> bool:
    """Whether every name the generated code assumed (a helper function it differentiated) still has its value."""
    for namespace, name, value in guards:
        if namespace is None:
            continue
        if name is None:  # a closure cell
            try:
                current = namespace.cell_contents
            except ValueError:
                return False
        else:
            current = namespace.get(name)
        if current is not value:
            return False
    return True


def get(cache_key):
    """The entry stored under ``cache_key`` if the helpers it was generated for are still in place."""
    with _LOCK:
        entry = _ENTRIES.get(cache_key)
        if entry is not None and not guards_hold(entry[0].guards):
            entry = None
        stats["hits" if entry is not None else "misses"] += 1
        return entry


def put(cache_key, entry) -> None:
    with _LOCK:
        _ENTRIES[cache_key] = entry


def clear() -> None:
    """Forget every compiled derivative (the next grad call compiles again)."""
    with _LOCK:
        _ENTRIES.clear()
        stats.update(hits=0, misses=0)
