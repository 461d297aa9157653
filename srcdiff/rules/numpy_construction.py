"""Adjoints of numpy's functions that build arrays from values: ``np.full``, ``np.full_like``,
``np.linspace``, ``np.arange``, ``np.unique``, ``np.r_`` and ``np.c_``.

Part of the numpy rules (``numpy_rules`` imports every family and lists the functions without a gradient).
"""

import numpy as np

from ..runtime import (
    arange_cotangents,
    c_cotangents,
    cast_cotangent,
    linspace_cotangents,
    r_cotangents,
    unbroadcast,
    unique_cotangent,
)
from .registry import defvjp


@defvjp(np.full)
def full(g, ans, shape, fill_value, dtype=None, order="C"):
    return None, unbroadcast(cast_cotangent(g, ans), fill_value)


@defvjp(np.full_like)
def full_like(g, ans, a, fill_value, dtype=None, order="K", subok=True, shape=None):
    return None, unbroadcast(cast_cotangent(g, ans), fill_value)


@defvjp(np.linspace)
def linspace(g, ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    return linspace_cotangents(g, ans, start, stop, num, endpoint, retstep, axis)


@defvjp(np.arange)
def arange(g, ans, start, stop=None, step=None, dtype=None):
    # arange(stop) counts from 0: its values do not depend on stop's value, only their number does
    return arange_cotangents(g, ans, start, stop, step)


@defvjp(np.unique)
def unique(g, ans, ar):
    return (unique_cotangent(g, ar),)


@defvjp(np.r_)
def r_(g, ans, *pieces):
    # np.r_[a, 1.0, b] of values (the activity pass sends slices and directives elsewhere): a concatenation
    return r_cotangents(g, pieces)


@defvjp(np.c_)
def c_(g, ans, *pieces):
    return c_cotangents(g, pieces)
