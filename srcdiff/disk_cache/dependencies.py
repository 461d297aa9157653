"""What generated code assumed beyond the entry's name, recorded in the entry and checked when it is loaded.

When an entry is stored, ``_dependencies`` records what each name the function's source reads denotes (its
environment: ``np.tanh`` or ``np.sin``, this function or that one) and every guard the compiler recorded, each
located relative to the function (a global, a closure cell, an attribute of a class of a module) so that another
process can find it again. When it is loaded, ``_dependencies_hold`` checks all of it against the running
process and gives the guards for the in-memory cache.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import sys
import textwrap
import types

from .fingerprints import _fingerprint, _value_fingerprint

_MISSING = object()


def _chains(function) -> list | None:
    """The names (and dotted chains like ``np.linalg.norm``) the source of ``function`` reads from outside
    itself, in order, or None without source."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return None
    local = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            local.add(node.id)
        elif isinstance(node, ast.arg):
            local.add(node.arg)
        elif (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and node is not tree.body[0]
        ):
            local.add(node.name)
    chains = []
    for node in ast.walk(tree):
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in local:
            chain = ".".join([node.id] + parts[::-1])
            if chain not in chains:
                chains.append(chain)
    return chains


def _resolve(function, chain: str):
    """What ``chain`` denotes when ``function`` runs: its closure, then its module, then the builtins."""
    first, *rest = chain.split(".")
    value = _MISSING
    code = function.__code__
    if first in code.co_freevars and function.__closure__:
        try:
            value = function.__closure__[code.co_freevars.index(first)].cell_contents
        except ValueError:
            return _MISSING
    elif first in function.__globals__:
        value = function.__globals__[first]
    elif hasattr(builtins, first):
        value = getattr(builtins, first)
    for attribute in rest:
        if value is _MISSING:
            break
        try:
            value = (
                inspect.getattr_static(value, attribute)
                if not inspect.ismodule(value)
                else getattr(value, attribute, _MISSING)
            )
        except AttributeError:
            value = _MISSING
    return value


def _environment(function, extra=()) -> dict | None:
    """chain -> fingerprint of what it denotes now, for every name the source of ``function`` reads (and the
    names in ``extra``); None if one of them cannot be recognised in another process."""
    chains = _chains(function)
    if chains is None:
        return None
    chains += [name for name in extra if name not in chains]
    environment = {}
    for chain in chains:
        value = _resolve(function, chain)
        if value is _MISSING:
            environment[chain] = None
            continue
        fingerprint = _fingerprint(value)
        if fingerprint is None:
            return None
        environment[chain] = fingerprint
    return environment


def _attributes(target):
    """The guard namespace of the attributes of ``target``."""
    from ..parsing import AttributeOf

    return AttributeOf(target)


def _module_named(namespace) -> str | None:
    """The name of the module whose globals ``namespace`` is, if it is one."""
    name = namespace.get("__name__") if isinstance(namespace, dict) else None
    module = sys.modules.get(name) if isinstance(name, str) else None
    return name if module is not None and vars(module) is namespace else None


def _object_path(target) -> list | None:
    """``[module, qualname]`` by which ``target`` is reached from its module, if it is."""
    module_name, qualname = getattr(target, "__module__", None), getattr(
        target, "__qualname__", None
    )
    if not isinstance(module_name, str) or not isinstance(qualname, str) or "<" in qualname:
        return None
    value = sys.modules.get(module_name)
    for part in qualname.split("."):
        value = getattr(value, part, None)
    return [module_name, qualname] if value is target and value is not None else None


def _locate(function, namespace, name) -> list | None:
    """A guard's namespace and name as something another process can find again (relative to
    ``function``); [] for a guard to leave out; None where there is no such thing."""
    from .. import cache

    code = function.__code__
    if namespace is None:
        return [] if name is None else None
    if isinstance(namespace, list):  # the rule table's version: the entry's name covers the table
        return []
    if isinstance(
        namespace, str
    ):  # relative to the function itself (cache.ROOT_CELL, ROOT_ATTRIBUTE)
        if (
            namespace == getattr(cache, "ROOT_CELL", None)
            and isinstance(name, int)
            and 0 <= name < len(code.co_freevars)
        ):
            return ["cell", code.co_freevars[name]]
        if namespace == getattr(cache, "ROOT_ATTRIBUTE", None) and isinstance(name, str):
            return ["self", name]
        return None
    if isinstance(namespace, types.CellType):
        cells = list(function.__closure__ or ())
        for index, cell in enumerate(cells):
            if cell is namespace:
                return ["cell", code.co_freevars[index]]
        return None
    if not isinstance(name, str):
        return None
    if isinstance(namespace, dict):
        if namespace is function.__globals__:
            return ["global", name]
        if namespace is vars(builtins):
            return ["builtin", name]
        module = _module_named(namespace)
        return ["module", module, name] if module is not None else None
    target = getattr(namespace, "target", _MISSING)
    if target is function:
        return ["self", name]
    path = _object_path(target) if target is not _MISSING else None
    return ["object", *path, name] if path is not None else None


def _find(function, location: list):
    """The guard ``(namespace, name)`` a location (see ``_locate``) stands for in this process, or None."""
    kind, *rest = location
    if kind == "global":
        return function.__globals__, rest[0]
    if kind == "builtin":
        return vars(builtins), rest[0]
    if kind == "module":
        module = sys.modules.get(rest[0])
        return (vars(module), rest[1]) if module is not None else None
    if kind == "cell":
        code = function.__code__
        if rest[0] not in code.co_freevars or not function.__closure__:
            return None
        return function.__closure__[code.co_freevars.index(rest[0])], None
    if kind == "self":
        return _attributes(function), rest[0]
    if kind == "object":
        value = sys.modules.get(rest[0])
        for part in rest[1].split("."):
            value = getattr(value, part, None)
        return (_attributes(value), rest[2]) if value is not None else None
    return None


def _current(namespace, name):
    from ..parsing import MISSING

    if isinstance(namespace, types.CellType):
        try:
            return namespace.cell_contents
        except ValueError:
            return MISSING
    return namespace.get(name, MISSING)


def _dependencies(function, derivative) -> dict | None:
    """What the generated code was made for, beyond the entry's name: what each name the function reads
    denotes, and every assumption the compiler recorded (the functions of the user's it differentiated,
    with what their names denote, the lookups it made, the defaults it folded in). None where something
    cannot be recognised in another process."""
    # the names the source reads, and those the generated code itself reads at run time
    environment = _environment(function, sorted(derivative.free_globals))
    if environment is None:
        return None
    guards, seen = [], set()
    for namespace, name, value in list(derivative.guards) + list(
        getattr(derivative, "assumptions", None) or ()
    ):
        location = _locate(function, namespace, name)
        if location is None:
            return None
        if not location or repr(location) in seen:
            continue
        seen.add(repr(location))
        fingerprint = _value_fingerprint(value)
        if fingerprint is None:
            return None
        callee_environment = None
        if (
            fingerprint[0] == "function" and value is not function
        ):  # one of the user's: what it reads too
            callee_environment = _environment(value)
            if callee_environment is None:
                return None
        guards.append({"where": location, "what": fingerprint, "reads": callee_environment})
    return {"environment": environment, "guards": guards}


def _dependencies_hold(function, recorded: dict) -> list | None:
    """The guards for the in-memory cache if everything recorded still holds in this process, else None."""
    if _environment(function, list(recorded["environment"])) != recorded["environment"]:
        return None
    guards = []
    for guard in recorded["guards"]:
        found = _find(function, guard["where"])
        if found is None:
            return None
        namespace, name = found
        current = _current(namespace, name)
        if _value_fingerprint(current) != guard["what"]:
            return None
        if (
            guard["reads"] is not None
            and _environment(current, list(guard["reads"])) != guard["reads"]
        ):
            return None
        guards.append((namespace, name, current))
    return guards
