"""In-place updates, as the normal form writes them (generated code writes ``y[i] = v`` as
``y = _rt.setitem(y, i, v)`` and ``xs.append(v)`` as ``xs = _rt.append(xs, v)``), and the tangents and
cotangents of such updates: what an overwritten position passes on, and what it does not.

Part of ``srcdiff.runtime`` (numpy and the standard library only, so that exported modules can copy it).
"""

import numpy as np

from .cotangents import zeros_like


def setitem(array, index, value):
    """``array[index] = value``, returning the array."""
    array[index] = value
    return array


def append(items, value):
    """``items.append(value)``, returning the list."""
    items.append(value)
    return items


def pop(items):
    """``items.pop()``."""
    return items.pop()


def with_item(tangent, index, value):
    """A copy of ``tangent`` with ``value`` at ``index`` (the tangent of ``y[index] = v``)."""
    if isinstance(tangent, (list, dict)):
        out = tangent.copy()
        out[index] = value
        return out
    out = np.array(tangent, dtype=np.result_type(tangent, value, 1.0))
    out[index] = value
    return out


def zero_at(g, index):
    """A copy of the cotangent ``g`` with zeros at ``index`` (the values there were overwritten)."""
    if isinstance(g, dict):
        return {key: value for key, value in g.items() if key != index}
    if isinstance(g, list):
        out = list(g)
        positions = range(len(g))[index] if isinstance(index, slice) else [index]
        for position in positions:
            out[position] = zeros_like(out[position])
        return out
    out = np.array(g, dtype=np.result_type(g, 1.0))
    out[index] = 0.0
    return out


def written_cotangent(g, index):
    """The cotangent of ``v`` in ``y[index] = v``: ``g[index]``, except where integer arrays name a position
    more than once: numpy assigns in order, so only the last of the repeated writes reaches ``y``.
    """
    if isinstance(g, dict):
        return g.get(index, 0.0)
    item = g[index]
    parts = index if isinstance(index, tuple) else (index,)
    if not any(
        isinstance(p, (list, np.ndarray)) and np.asarray(p).dtype.kind in "iu" for p in parts
    ):
        return item
    # number the writes, let numpy assign the numbers as it assigns values, and keep the writes that won
    order = np.arange(np.size(item)).reshape(np.shape(item))
    winner = np.full(np.shape(g), -1)
    winner[index] = order
    kept = winner[index] == order
    if kept.all():
        return item
    return np.where(kept, item, 0.0)


def iterable(x):
    """What ``for item in x`` goes through, as a sequence indexed by position: ``x`` itself for a list, tuple,
    range or array (so items keep sharing memory with it), else ``list(x)`` (a dict's keys, a set's or a
    generator's items, a mapping whose ``x[i]`` is not its i-th item)."""
    if isinstance(x, (list, tuple, range, np.ndarray)):
        return x
    return list(x)


def iterable_cotangent(g, x):
    """The cotangent of ``x`` in ``iterable(x)``: ``g`` itself where ``x`` was its own sequence; none for a
    dict, whose keys carry no gradient (its values get theirs where they are read, ``d[key]``)."""
    if isinstance(x, (list, tuple, range, np.ndarray)):
        return g
    if isinstance(x, dict):
        return {}
    raise TypeError(
        f"srcdiff cannot differentiate a loop over a {type(x).__name__}: loop over a list, a tuple or an "
        "array of the values"
    )


def items(mapping):
    """``list(mapping.items())``: what ``d.items()`` gives a loop, as a list indexed by position."""
    return list(mapping.items())


def values(mapping):
    """``list(mapping.values())``."""
    return list(mapping.values())


def keys(mapping):
    """``list(mapping.keys())``."""
    return list(mapping.keys())


def items_cotangent(g, mapping):
    """The cotangent of ``mapping`` in ``items(mapping)``: each pair's value part, at its key."""
    return (
        {key: pair[1] for key, pair in zip(mapping, g)}
        if isinstance(mapping, dict)
        else _no_view(mapping)
    )


def values_cotangent(g, mapping):
    """The cotangent of ``mapping`` in ``values(mapping)``: each value's cotangent at its key."""
    return dict(zip(mapping, g)) if isinstance(mapping, dict) else _no_view(mapping)


def _no_view(mapping):
    raise TypeError(
        f"srcdiff cannot differentiate through the items of a {type(mapping).__name__}: use a dict"
    )


class _Absent:
    """What ``saved_item`` saves for a key a dict does not have yet."""

    def __repr__(self):
        return "<absent>"


ABSENT = _Absent()


def copy_item(value):
    """A copy of an item read from a container that is later updated in place, of the item's own kind: an
    array for an array, a list for a list, a dict for a dict; numbers, strings and tuples are their own.
    """
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, dict)):
        return value.copy()
    return value


def saved_item(container, index):
    """What ``container[index] = v`` overwrites, for the backward sweep to put back: a copy of the item, or
    ``ABSENT`` where a dict has no such key yet."""
    if isinstance(container, dict) and index not in container:
        return ABSENT
    return copy_item(container[index])


def reversed_sequence(x):
    """What ``reversed(x)`` gives a loop, as a sequence indexed by position: ``x[::-1]`` for an array (a view),
    a list for a list or tuple."""
    if isinstance(x, np.ndarray):
        return x[::-1]
    return list(reversed(x))


def reversed_cotangent(g, x):
    """The cotangent of ``x`` in ``reversed_sequence(x)``: ``g`` read backwards, of ``x``'s kind."""
    if isinstance(x, np.ndarray):
        return np.asarray(g)[::-1]
    if isinstance(x, tuple):
        return tuple(reversed(g))
    return list(reversed(g))


def sequence_cotangent(g, x):
    """The cotangent of ``x`` in ``list(x)`` or ``tuple(x)`` (``g``, a list of its items' cotangents): of
    ``x``'s kind; none for a dict, whose keys carry no gradient."""
    if isinstance(x, np.ndarray):
        return np.reshape(np.asarray(g), np.shape(x))
    if isinstance(x, dict):
        return {}
    if isinstance(x, tuple):
        return tuple(g)
    if isinstance(x, list):
        return list(g)
    raise TypeError(
        f"srcdiff cannot differentiate list() or tuple() of a {type(x).__name__}: pass a list, a tuple "
        "or an array"
    )


def get(mapping, key, default=None):
    """``mapping.get(key, default)``."""
    return mapping.get(key, default)


def get_cotangents(g, mapping, key):
    """The cotangents of ``mapping`` and of the default in ``get(mapping, key, default)``: ``g`` goes to the
    key where the mapping has it, else to the default."""
    if key in mapping:
        return {key: g}, None, 0.0
    return {}, None, g
