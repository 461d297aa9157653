"""Cotangents of functions that choose or convert values: ``np.where``, ``np.clip`` and its bounds, casts
(``np.asarray``, ``.astype``), and Python's ``max`` and ``min``.

Part of ``srcdiff.runtime`` (numpy and the standard library only, so that exported modules can copy it).
"""

import numpy as np

from .broadcasting import unbroadcast
from .cotangents import index_add, zeros_like


def where_cotangent(g, condition, x, take):
    """Cotangent of ``x`` in ``np.where(condition, ...)`` (take the true side when ``take``)."""
    return unbroadcast(np.where(condition, g, 0.0) if take else np.where(condition, 0.0, g), x)


def clip_cotangent(g, a, a_min, a_max, min=None, max=None):
    """Cotangent of ``a`` in ``np.clip(a, a_min, a_max)``: ``g`` where ``a`` lies within the bounds.

    ``min`` and ``max`` are the bounds given by those names (numpy 2.1 and later).
    """
    a_min = a_min if min is None else min
    a_max = a_max if max is None else max
    inside = True
    if a_min is not None:
        inside = inside & (np.asarray(a) >= a_min)
    if a_max is not None:
        inside = inside & (np.asarray(a) <= a_max)
    return unbroadcast(g * inside, a)


def clip_bound_cotangent(g, a, bound, lower):
    """Cotangent of a bound of ``np.clip``: ``g`` where ``a`` lies beyond it (below, for a lower one)."""
    beyond = np.asarray(a) < bound if lower else np.asarray(a) > bound
    return unbroadcast(g * beyond, bound)


def cast_cotangent(g, ans):
    """Cotangent of ``np.asarray``, ``np.array`` and ``.astype``: none through a cast to integers."""
    if np.asarray(ans).dtype.kind in "fc":
        return g
    return np.zeros(np.shape(ans))


def choice_cotangents(g, ans, args):
    """Cotangents of Python's ``max`` and ``min``: ``g`` goes to the value chosen (the first of ties).

    ``args`` are the positional arguments: several values, or one sequence of them.
    """
    items = args[0] if len(args) == 1 else args
    chosen = next((i for i, item in enumerate(items) if np.all(item == ans)), 0)
    pieces = [g if i == chosen else zeros_like(item) for i, item in enumerate(items)]
    if len(args) > 1:
        return tuple(pieces)
    if isinstance(items, (list, tuple)):
        return (type(items)(pieces),)
    return (index_add(g, items, chosen),)
