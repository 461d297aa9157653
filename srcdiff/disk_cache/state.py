"""What the disk cache keeps for the life of the process, and the hook that makes it safe across ``fork``.

The version of the entry format, the warning class and its once-per-path warnings, the folders found
unwritable, the memo of srcdiff's digest and of the rule table's fingerprint, and the lock that guards them.
After a fork the child gets new locks for every one of srcdiff's modules (see ``_reset_after_fork``). The
other modules of the package build on this one; it imports none of them.
"""

from __future__ import annotations

import os
import sys
import threading
import types
import warnings

_SRCDIFF = __package__.rpartition(".")[0]  # srcdiff's own package name: "srcdiff"
_FORMAT = 2  # the version of the entries' format: an entry of another version is a miss


class CacheWarning(UserWarning):
    """The disk cache ignored a file, or a folder it cannot use."""


_LOCK = threading.Lock()  # guards the sets below
_warned: set = set()  # paths already warned about
_unwritable: set = set()  # folders a write failed in: not tried again in this process
_memo: dict = {}  # rule-table version -> fingerprint; None -> srcdiff's digest


def _reset_after_fork() -> None:
    """In a forked child, srcdiff's locks are new ones: a thread of the parent may have held one when the
    process forked, and that thread does not exist in the child to release it. (Every lock of srcdiff's
    modules, and of the objects they keep at module level, like a cache's ``_lock``.) A lock that several
    modules hold under their own names (one imported from another) is replaced by one new lock in all.
    """
    makers = {type(threading.Lock()): threading.Lock, type(threading.RLock()): threading.RLock}
    renewed = (
        {}
    )  # id of an old lock -> (the old lock, kept so that its id stays its own; the new one)

    def renew(lock):
        if id(lock) not in renewed:
            renewed[id(lock)] = (lock, makers[type(lock)]())
        return renewed[id(lock)][1]

    for name, module in list(sys.modules.items()):
        if module is None or not (name == _SRCDIFF or name.startswith(_SRCDIFF + ".")):
            continue
        for attribute, value in list(vars(module).items()):
            if type(value) in makers:
                setattr(module, attribute, renew(value))
            elif (
                not isinstance(value, (type, types.ModuleType))
                and type(getattr(value, "_lock", None)) in makers
            ):
                try:
                    value._lock = renew(value._lock)
                except (AttributeError, TypeError):
                    pass


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def _warn(path: str, message: str) -> None:
    """Warn about ``path`` once per process."""
    with _LOCK:
        if path in _warned:
            return
        _warned.add(path)
    warnings.warn(f"srcdiff disk cache: {path}: {message}", CacheWarning, stacklevel=4)
