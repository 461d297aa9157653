"""The in-memory cache of compiled derivatives (the on-disk one is in ``disk_cache``), and the guards that keep
a derivative from being used after the world it was compiled for has changed.

The compiler owns it: ``compiler.cached.compiled`` looks entries up and puts them here, and the pipeline
records the guards (``root_guards``, ``function_guards``, ``relative``). This module knows nothing of the
compiler; it stores what it is given.

A derivative depends on the function's code and on what the names it read at compile time denoted: the
functions it calls, the modules and numpy functions it looked up, the values it folded in (a helper's globals
and closure variables, a callee's defaults), the rule table. Each of those is a guard, ``(namespace, name,
value)``: the derivative holds while ``namespace``'s ``name`` is still the very object ``value``. A guard's
namespace is a dict (module globals, builtins), a closure cell (``name`` None), an ``AttributeOf`` (attributes of
a class or function), or ``ROOT_CELL``/``ROOT_ATTRIBUTE``: a closure cell or attribute of the function being
differentiated itself, so that one compiled entry serves every function object made from the same code (two
closures from one factory) and is checked against each. ``checker`` turns guards into one generated function
whose call costs a few tens of nanoseconds per guard.

Entries are keyed by the code object (not the function, so a closure's data is not kept alive by the cache), the
function's globals, wrt, the options and the rule table's version; a key holds a few variants (one per set of
guards), and the cache keeps the most recently used keys only.
"""

from __future__ import annotations

import threading
import types
from collections import OrderedDict

from .parsing import MISSING, AttributeOf, TypeIs
from .rules import registry
from .rules import version as rules_version

MAX_ENTRIES = 256  # keys kept (least recently used dropped first)
MAX_VARIANTS = 4  # derivatives kept per key, for different callees or values

_ENTRIES: OrderedDict = OrderedDict()
_CHECK_FACTORIES: OrderedDict = (
    OrderedDict()
)  # the text of a check -> the compiled function that makes it
_LOCK = threading.Lock()
stats = {"hits": 0, "misses": 0}

ROOT_CELL = (
    "root closure cell"  # guard namespace: name is the index of a closure cell of the function
)
ROOT_ATTRIBUTE = "root attribute"  # guard namespace: name is an attribute of the function itself


def key(function, wrt: tuple, options: tuple) -> tuple:
    return (function.__code__, id(function.__globals__), wrt, options, rules_version())


def relative(guards, function) -> list:
    """``guards`` without duplicates, those on ``function``'s own closure cells or attributes made relative to
    it (see ROOT_CELL), the rule table's version added."""
    cells = {id(cell): index for index, cell in enumerate(function.__closure__ or ())}
    out, seen = [], set()
    for namespace, name, value in list(guards) + [(registry._VERSION, 0, registry._VERSION[0])]:
        if namespace is None:
            continue
        if isinstance(namespace, types.CellType) and id(namespace) in cells:
            namespace, name = ROOT_CELL, cells[id(namespace)]
        elif isinstance(namespace, AttributeOf) and namespace.target is function:
            namespace = ROOT_ATTRIBUTE
        marker = (
            id(namespace) if not isinstance(namespace, str) else namespace,
            name,
            value.type if isinstance(value, TypeIs) else None,
        )
        if marker not in seen:
            seen.add(marker)
            out.append((namespace, name, value))
    return out


def root_guards(function, attributes=("__code__", "__defaults__", "__kwdefaults__")) -> list:
    """What a derivative of ``function`` assumes of the function object itself: its code (and, where the
    generated function is called without every argument, its defaults)."""
    return [(ROOT_ATTRIBUTE, attribute, getattr(function, attribute)) for attribute in attributes]


def function_guards(function) -> list:
    """What a derivative that differentiated ``function``'s code assumes of it: its code and its defaults."""
    target = AttributeOf(function)
    return [
        (target, attribute, getattr(function, attribute, None))
        for attribute in ("__code__", "__defaults__", "__kwdefaults__")
    ]


def absolute(guards, function) -> list:
    """``guards`` with those relative to the differentiated function made to point at ``function``."""
    out = []
    for namespace, name, value in guards:
        if namespace is ROOT_CELL:
            closure = function.__closure__ or ()
            if name >= len(closure):
                return [(None, "closure", MISSING)]  # never holds
            namespace, name = closure[name], None
        elif namespace is ROOT_ATTRIBUTE:
            namespace = AttributeOf(function)
        out.append((namespace, name, value))
    return out


def guards_hold(guards) -> bool:
    """Whether every guard (absolute, see ``absolute``) still holds."""
    for namespace, name, value in guards:
        if namespace is None:
            if name is None:
                continue  # a binding that needs no check
            return False
        if isinstance(namespace, types.CellType):
            try:
                current = namespace.cell_contents
            except ValueError:
                return False
        elif isinstance(namespace, list):  # the rule table's version
            current = namespace[name]
        else:
            current = namespace.get(name, MISSING)
        if isinstance(value, TypeIs):
            if current is MISSING or type(current) is not value.type:
                return False
        elif current is not value:
            return False
    return True


def checker(guards):
    """A function of no arguments that tells whether every guard (absolute) still holds, generated so that a
    check costs one call and one comparison per guard (its objects are default arguments: local lookups).
    """
    if not guards:
        return _always
    terms, environment = [], {"_M": MISSING}
    for index, (namespace, name, value) in enumerate(guards):
        environment[f"n{index}"], environment[f"v{index}"] = namespace, value
        key = (
            repr(name)
            if isinstance(name, (str, int)) and not isinstance(name, bool)
            else f"k{index}"
        )
        environment[f"k{index}"] = name
        if namespace is None:
            if name is not None:
                terms.append("False")
            continue
        if isinstance(namespace, types.CellType):
            current = f"n{index}.cell_contents"
        elif isinstance(namespace, list):
            current = f"n{index}[{key}]"
        elif isinstance(namespace, AttributeOf):
            environment[f"n{index}"] = namespace.target
            if (
                isinstance(name, str)
                and name.isidentifier()
                and not name.startswith("__")
                or name in ("__code__", "__defaults__", "__kwdefaults__")
            ):
                current = f"n{index}.{name}"  # an attribute lookup, not a call of getattr
            else:
                current = f"getattr(n{index}, {key}, _M)"
        elif value is MISSING:  # a name that must stay undefined (a builtin not shadowed, say)
            terms.append(f"{key} not in n{index}")
            continue
        else:  # a subscript, cheaper than a call of get: a name deleted since is a KeyError, caught below
            current = f"n{index}[{key}]"
        if isinstance(value, TypeIs):  # only the type of what the name holds matters
            environment[f"v{index}"] = value.type
            terms.append(f"type({current}) is v{index}")
        else:
            terms.append(f"{current} is v{index}")
    body = "\n                and ".join(terms or ["True"])
    used = [name for name in environment if any(name in term for term in terms)]
    # the objects are closure variables of the check: no defaults to fill in at each call
    text = (
        f"def make({', '.join(used)}):\n    def check():\n        try:\n            return ({body})\n"
        "        except (ValueError, AttributeError, KeyError, IndexError, TypeError):\n"
        "            return False\n    return check\n"
    )
    with _LOCK:
        make = _CHECK_FACTORIES.pop(text, None)
        if make is None:
            namespace: dict = {}
            exec(compile(text, "<srcdiff guards>", "exec"), namespace)
            make = namespace["make"]
        _CHECK_FACTORIES[text] = make  # most recently used last
        while len(_CHECK_FACTORIES) > MAX_ENTRIES:
            _CHECK_FACTORIES.popitem(last=False)
    check = make(*(environment[name] for name in used))
    check.guards = guards
    return check


def _always():
    return True


def get(cache_key, function=None):
    """The entry stored under ``cache_key`` whose guards hold for ``function``, or None."""
    with _LOCK:
        found = None
        for entry in _ENTRIES.get(cache_key, ()):
            guards = (
                entry[0].guards if function is None else absolute(_assumptions(entry[0]), function)
            )
            if guards_hold(guards):
                found = entry
                break
        if found is not None:
            _ENTRIES.move_to_end(cache_key)
        stats["hits" if found is not None else "misses"] += 1
        return found


def _assumptions(derivative) -> list:
    return getattr(derivative, "assumptions", None) or derivative.guards


def put(cache_key, entry) -> None:
    with _LOCK:
        variants = [entry] + [e for e in _ENTRIES.pop(cache_key, ()) if e is not entry]
        _ENTRIES[cache_key] = variants[:MAX_VARIANTS]
        while len(_ENTRIES) > MAX_ENTRIES:
            _ENTRIES.popitem(last=False)


def clear() -> None:
    """Forget every compiled derivative (the next grad call compiles again)."""
    with _LOCK:
        _ENTRIES.clear()
        stats.update(hits=0, misses=0)
