"""The guards parsing records: where a name's value lives (a module's dict, the attributes of an object) and
what generated code expects to find there (the value itself, or only its type for data read at run time).

``MISSING`` stands for a name that is not there. A guard is a triple (namespace, name, expected value); the
in-memory cache (``cache``) checks them before reusing generated code, and the disk cache records them.
"""

from __future__ import annotations

import types

MISSING = object()


class AttributeOf:
    """A namespace for guards: the attributes of an object that is not a module (a class, a function)."""

    __slots__ = ("target",)

    def __init__(self, target):
        self.target = target

    def get(self, name, default=None):
        return getattr(self.target, name, default)

    def __repr__(self):
        return f"AttributeOf({self.target!r})"


def namespace_of(value):
    """Where the attributes of ``value`` live, for guards: a module's dict, or an AttributeOf."""
    if isinstance(value, types.ModuleType):
        return vars(value)
    return AttributeOf(value)


class TypeIs:
    """A guard's expected value where only the type of the value matters (data read when the code runs)."""

    __slots__ = ("type",)

    def __init__(self, cls):
        self.type = cls

    def __repr__(self):
        return f"TypeIs({self.type.__name__})"


_IMMUTABLE = (bool, int, float, complex, str, bytes, tuple, frozenset, type(None), range, slice)


def is_data(value) -> bool:
    """A value the compiler cannot have folded in by identity: not a module, class, function or other callable,
    nor a number, string or tuple (which generated code may hold as a constant)."""
    return not (
        value is MISSING
        or isinstance(value, (types.ModuleType, type) + _IMMUTABLE)
        or callable(value)
    )


def attribute_guards(base, name: str, value) -> list:
    """Guards that ``base.name`` still denotes ``value``: on the module's dict for a module; on the dicts of the
    classes along the method resolution order for a class or an instance (whose attributes may be computed
    afresh at each access, as ``array.T`` or a bound method are), with the instance's own dict."""
    if isinstance(base, types.ModuleType):
        return [(vars(base), name, value if not is_data(value) else TypeIs(type(value)))]
    guards = []
    if not isinstance(base, type):
        instance_dict = getattr(base, "__dict__", None)
        if isinstance(
            instance_dict, dict
        ):  # and the classes below: a data descriptor there would win
            found = instance_dict.get(name, MISSING)
            guards.append(
                (instance_dict, name, found if not is_data(found) else TypeIs(type(found)))
            )
        owner = type(base)
    else:
        owner = base
    for cls in getattr(owner, "__mro__", (owner,)):
        namespace = vars(cls)
        if name in namespace:
            found = namespace[name]
            guards.append((namespace, name, found if not is_data(found) else TypeIs(type(found))))
            return guards
        guards.append((namespace, name, MISSING))
    if isinstance(base, type):  # a metaclass attribute, or none: the attribute as getattr finds it
        return guards + [(AttributeOf(base), name, value)]
    return guards
