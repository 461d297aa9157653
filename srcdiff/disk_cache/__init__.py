"""The on-disk cache of generated derivatives (opt-in), so that a new process reuses the generated code.

Turned on by ``grad(f, cache=True)`` (or a folder), or the SRCDIFF_CACHE_DIR environment variable. Loading an
entry compiles and runs the Python text it holds, so the cache trusts nothing it did not write itself:

- The folder must belong to the current user and be writable by nobody else (srcdiff creates it with mode 0700);
  the default one is per user (``$XDG_CACHE_HOME/srcdiff``, else ``~/.cache/srcdiff``), never a shared one.
- Every file is opened without following symbolic links and without blocking (a FIFO cannot hang the process),
  and must be a regular file of the user's, mode 0600, of bounded size.
- Every entry carries an HMAC-SHA256 under a random key of the user's, kept in the folder (mode 0600); it covers
  the entry's name, so an entry written for one function is never taken for another.
- An entry's name is a digest of what the generated code depends on: the function's identity (module, qualified
  name, resolved file, line) and source, wrt, the options, the rule table, and the versions of srcdiff (with a
  digest of its own source), Python and numpy. The entry records what the code was generated for that only
  shows once it is generated: the identity and source of every function of the user's it differentiated, and
  what each name those functions read denoted (``np.tanh`` or ``np.sin``, this function or that one). Loading
  checks all of it against the running process.

Whatever is wrong with an entry (missing, foreign, truncated, malformed, stale), it is a miss: the derivative is
generated again and the entry rewritten atomically. Nothing here raises; a folder that cannot be used or
written means working without the disk cache, after one warning.

The package: ``load``, ``store`` and ``disk_directory`` here are what the rest of srcdiff calls. ``state`` holds
what the process keeps (warnings, the lock, the fork hook); ``folder`` finds the folder and reads and writes its
files safely; ``signing`` keeps the user's key and seals entries; ``fingerprints`` names an entry and says what
a value is across processes; ``dependencies`` records and checks what generated code assumed; ``entries``
defines the record an entry holds.
"""

from __future__ import annotations

import json
import os
import types

from .dependencies import _attributes, _dependencies, _dependencies_hold
from .entries import _injected_kind, _injected_value, _well_formed
from .fingerprints import _disk_key, _rules_fingerprint  # noqa: F401 (the second for callers)
from .folder import (
    _FOLDER_ERRORS,
    _MAX_ENTRY,
    _note_unwritable,
    _open_directory,
    _read_private,
    _sweep,
    _write_private,
    default_directory,
    disk_directory,
)
from .signing import _seal, _secret, _unseal
from .state import _FORMAT, _LOCK, CacheWarning, _unwritable, _warn

__all__ = ["CacheWarning", "default_directory", "disk_directory", "load", "store"]


def load(directory: str, function, wrt: tuple, options: tuple):
    """The derivative stored for ``function``, or None: missing, foreign, damaged, or made for other code."""
    try:
        return _load(directory, function, wrt, options)
    except Exception:  # a cache never breaks the computation it speeds up
        return None


def _load(directory, function, wrt, options):
    from .. import loader
    from ..compiler import Derivative

    digest = _disk_key(function, wrt, options)
    if digest is None:
        return None
    directory = os.path.abspath(directory)
    folder = _open_directory(directory, create=False)
    if folder is None:
        return None
    try:
        secret = _secret(folder, directory, create=False)
        if secret is None:
            return None
        path = os.path.join(directory, digest + ".json")
        data = _read_private(folder, digest + ".json", path, _MAX_ENTRY)
    finally:
        os.close(folder)
    if data is None:
        return None
    body = _unseal(secret, digest, data)
    if body is None:
        _warn(
            path, "ignored: srcdiff did not write it for this function (damaged, or from elsewhere)"
        )
        return None
    try:
        record = json.loads(body.decode("utf-8"))
    except ValueError:
        return None
    if (
        not _well_formed(record)
        or record["key"] != digest
        or record["free_vars"] != list(function.__code__.co_freevars)
    ):
        return None
    guards = _dependencies_hold(function, record["dependencies"])
    if guards is None:
        return None
    derivative = Derivative(
        source=record["source"],
        entry=record["entry"],
        free_globals={},
        runtime_names=set(),
        injected={name: _injected_value(kind) for name, kind in record["injected"].items()},
        free_vars=tuple(record["free_vars"]),
        stages={"optimized": record["source"]},
        filename=record["filename"],
        guards=guards,
        floats_entry=record["floats_entry"],
    )
    if not any(guard[1] == "__code__" and guard[2] is function.__code__ for guard in guards):
        guards.append((_attributes(function), "__code__", function.__code__))
    from .. import cache

    if hasattr(derivative, "assumptions") and hasattr(cache, "relative"):
        # relative to the function (its closure cells, its attributes): then an entry kept in memory for this
        # code is checked against each function object made from it, not against this one's cells
        derivative.assumptions = cache.relative(guards, function)
    # the text must compile and define the functions it names (else the caller would fail on it)
    names = (derivative.entry, derivative.floats_entry or derivative.entry)
    compiled = loader.compile_entry(
        derivative.source, derivative.filename, names, derivative.injected, derivative.free_vars
    )
    if not all(isinstance(f, types.FunctionType) for f in compiled):
        return None
    return derivative


def store(directory: str, function, wrt: tuple, options: tuple, derivative) -> bool:
    """Write ``derivative`` for ``function`` atomically; False where it cannot be recognised in a new process
    (a rule of the user's the code calls, a helper from a closure), or the folder cannot be written.
    """
    try:
        return _store(directory, function, wrt, options, derivative)
    except Exception:
        return False


def _store(directory, function, wrt, options, derivative) -> bool:
    directory = os.path.abspath(directory)
    with _LOCK:
        if directory in _unwritable:
            return False
    digest = _disk_key(function, wrt, options)
    if digest is None:
        return False
    injected = {}
    for name, value in derivative.injected.items():
        kind = _injected_kind(value)
        if kind is None:
            return False
        injected[name] = kind
    dependencies = _dependencies(function, derivative)
    if dependencies is None:
        return False
    record = {
        "format": _FORMAT,
        "key": digest,
        "source": derivative.source,
        "entry": derivative.entry,
        "floats_entry": derivative.floats_entry,
        "filename": derivative.filename,
        "injected": injected,
        "free_vars": list(derivative.free_vars),
        "dependencies": dependencies,
    }
    body = json.dumps(record).encode("utf-8")
    folder = _open_directory(directory, create=True)
    if folder is None:
        return False
    try:
        secret = _secret(folder, directory, create=True)
        if secret is None:
            return False
        _sweep(folder)
        try:
            _write_private(folder, digest + ".json", _seal(secret, digest, body))
        except OSError as error:
            if error.errno in _FOLDER_ERRORS:
                _note_unwritable(directory, error)
            return False  # else something in the entry's place (a folder): left alone
    finally:
        os.close(folder)
    return True
