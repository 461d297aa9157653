"""Adjoints of numpy's reductions: sums and means, products, extrema, variance and standard deviation,
cumulative sums and norms. Their longer cotangents live in ``srcdiff.runtime.reductions``.

Part of the numpy rules (``numpy_rules`` imports every family and lists the functions without a gradient).
"""

import numpy as np

from ..runtime import (
    cumsum_cotangent,
    extremum_cotangent,
    norm_cotangent,
    prod_cotangent,
    reduced_cotangent,
    reduced_size,
    std_cotangent,
    var_cotangent,
)
from .registry import defvjp


@defvjp(np.sum)
def sum(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return (reduced_cotangent(g, a, axis, keepdims),)


@defvjp(np.mean)
def mean(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return (reduced_cotangent(g / reduced_size(a, axis), a, axis, keepdims),)


@defvjp(np.prod)
def prod(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return (prod_cotangent(g, ans, a, axis, keepdims),)


@defvjp(np.max)
def max(g, ans, a, axis=None, out=None, keepdims=False):
    return (extremum_cotangent(g, ans, a, axis, keepdims),)


@defvjp(np.min)
def min(g, ans, a, axis=None, out=None, keepdims=False):
    return (extremum_cotangent(g, ans, a, axis, keepdims),)


defvjp(np.amax, max)  # the older names: distinct functions in numpy 2
defvjp(np.amin, min)


@defvjp(np.var)
def var(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return (var_cotangent(g, a, axis, ddof, keepdims),)


@defvjp(np.std)
def std(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return (std_cotangent(g, ans, a, axis, ddof, keepdims),)


@defvjp(np.cumsum)
def cumsum(g, ans, a, axis=None, dtype=None, out=None):
    return (np.reshape(cumsum_cotangent(g, axis), np.shape(a)),)


@defvjp(np.linalg.norm)
def norm(g, ans, x, ord=None, axis=None, keepdims=False):
    return (norm_cotangent(g, ans, x, ord, axis, keepdims),)
