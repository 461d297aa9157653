"""Forward rules of numpy's and Python's functions whose tangent is neither their adjoint's expression nor the
function applied to their tangents: reductions (through the weights their gradient gives), ``np.einsum``,
``np.linalg.inv``, ``det`` and ``solve``, selections (``np.where``, ``np.clip``, ``max``, ``min``) and arrays built
from values. Each is ``jvp(tangents, ans, *args)``, with None for the tangent of an argument held constant.
"""

import builtins

import numpy as np

from .. import runtime
from ..runtime import (
    arange_tangent,
    extremum_cotangent,
    linspace_fractions,
    norm_cotangent,
    prod_cotangent,
    std_cotangent,
    unique_tangent,
    var_cotangent,
)
from .registry import defjvp


def _zero(x):
    return np.zeros(np.shape(x))


@defjvp(np.einsum)
def einsum_jvp(tangents, ans, *args, optimize=False):
    # linear in each operand (string or sublist form): the tangents of the operands in turn
    total = np.zeros(np.shape(ans))
    for position in runtime.einsum_spec(args)[2]:
        if tangents[position] is not None:
            total = total + np.einsum(*args[:position], tangents[position], *args[position + 1 :])
    return total


def _reduction_jvp(weights, tangent, axis, keepdims):
    """The tangent of a reduction whose gradient (for a cotangent of ones) is ``weights``."""
    return np.sum(weights * tangent, axis=axis, keepdims=keepdims)


@defjvp(np.max)
@defjvp(np.amax)
def max_jvp(tangents, ans, a, axis=None, out=None, keepdims=False):
    weights = extremum_cotangent(np.ones_like(ans), ans, a, axis, keepdims)
    return _reduction_jvp(weights, tangents[0], axis, keepdims)


@defjvp(np.min)
@defjvp(np.amin)
def min_jvp(tangents, ans, a, axis=None, out=None, keepdims=False):
    weights = extremum_cotangent(np.ones_like(ans), ans, a, axis, keepdims)
    return _reduction_jvp(weights, tangents[0], axis, keepdims)


@defjvp(np.prod)
def prod_jvp(tangents, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    weights = prod_cotangent(np.ones_like(ans), ans, a, axis, keepdims)
    return _reduction_jvp(weights, tangents[0], axis, keepdims)


@defjvp(np.var)
def var_jvp(tangents, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    weights = var_cotangent(np.ones_like(ans), a, axis, ddof, keepdims)
    return _reduction_jvp(weights, tangents[0], axis, keepdims)


@defjvp(np.std)
def std_jvp(tangents, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    weights = std_cotangent(np.ones_like(ans), ans, a, axis, ddof, keepdims)
    return _reduction_jvp(weights, tangents[0], axis, keepdims)


@defjvp(np.linalg.norm)
def norm_jvp(tangents, ans, x, ord=None, axis=None, keepdims=False):
    weights = norm_cotangent(np.ones_like(ans), ans, x, ord, axis, keepdims)
    return _reduction_jvp(weights, tangents[0], axis, keepdims)


@defjvp(np.linalg.inv)
def inv_jvp(tangents, ans, a):
    return -ans @ tangents[0] @ ans


@defjvp(np.linalg.det)
def det_jvp(tangents, ans, a):
    # the cofactors are the gradient of the determinant, singular matrices included
    return np.sum(runtime.cofactors(a) * tangents[0], axis=(-2, -1))


@defjvp(np.linalg.solve)
def solve_jvp(tangents, ans, a, b):
    da, db = tangents
    vector = np.ndim(b) == 1
    rhs = _zero(ans) if db is None else db
    if da is not None:
        rhs = rhs - (da @ ans if vector else np.matmul(da, ans))
    return np.linalg.solve(a, rhs)


@defjvp(np.where)
def where_jvp(tangents, ans, condition, x, y):
    dx = 0.0 if tangents[1] is None else tangents[1]
    dy = 0.0 if tangents[2] is None else tangents[2]
    return np.broadcast_to(np.where(condition, dx, dy), np.shape(ans))


@defjvp(np.clip)
def clip_jvp(tangents, ans, a, a_min=None, a_max=None, out=None, *, min=None, max=None):
    low = a_min if a_min is not None else min
    high = a_max if a_max is not None else max
    total = 0.0
    inside = np.ones(np.shape(ans), dtype=bool)
    if low is not None:
        inside &= np.asarray(a >= low)
        if len(tangents) > 1 and tangents[1] is not None:
            total = total + np.where(np.asarray(a < low), tangents[1], 0.0)
    if high is not None:
        inside &= np.asarray(a <= high)
        if len(tangents) > 2 and tangents[2] is not None:
            total = total + np.where(np.asarray(a > high), tangents[2], 0.0)
    if tangents[0] is not None:
        total = total + np.where(inside, tangents[0], 0.0)
    return total


@defjvp(builtins.max)
def builtin_max_jvp(tangents, ans, *args):
    values = args[0] if len(args) == 1 else args
    slopes = tangents[0] if len(args) == 1 else tangents
    for value, slope in zip(values, slopes):
        if value == ans:
            return 0.0 if slope is None else slope
    return 0.0


@defjvp(builtins.min)
def builtin_min_jvp(tangents, ans, *args):
    return builtin_max_jvp(tangents, ans, *args)


# ---- arrays built from values --------------------------------------------------------------------------------


@defjvp(np.full_like)
def full_like_jvp(tangents, ans, a, fill_value, dtype=None, order="K", subok=True, shape=None):
    if tangents[1] is None or np.asarray(ans).dtype.kind not in "fc":
        return np.zeros(np.shape(ans))
    return np.broadcast_to(tangents[1], np.shape(ans)) + np.zeros(np.shape(ans))


@defjvp(np.linspace)
def linspace_jvp(
    tangents, ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0
):
    samples = ans[0] if retstep else ans
    start_t = 0.0 if tangents[0] is None else np.asarray(tangents[0])
    stop_t = 0.0 if len(tangents) < 2 or tangents[1] is None else np.asarray(tangents[1])
    if np.asarray(samples).dtype.kind not in "fc":
        out = np.zeros(np.shape(samples))
        return (out, 0.0) if retstep else out
    fractions = linspace_fractions(num, endpoint)
    start_t, stop_t = np.broadcast_arrays(start_t, stop_t)
    fractions = np.reshape(fractions, (num,) + (1,) * start_t.ndim)
    out = np.moveaxis(start_t + (stop_t - start_t) * fractions, 0, axis)
    if retstep:
        steps = num - 1 if endpoint else num
        return out, (stop_t - start_t) / steps if steps > 0 else np.zeros(np.shape(stop_t))
    return out


@defjvp(np.arange)
def arange_jvp(tangents, ans, start, stop=None, step=None, dtype=None):
    step_t = tangents[2] if len(tangents) > 2 else None
    return arange_tangent(tangents[0], step_t, ans, stop)


@defjvp(np.unique)
def unique_jvp(tangents, ans, ar):
    return unique_tangent(tangents[0], ar)


def _or_zero(tangent, like):
    return np.zeros(np.shape(like)) if tangent is None else tangent


@defjvp(np.r_)
def r_jvp(tangents, ans, *pieces):
    return np.r_[tuple(_or_zero(t, p) for t, p in zip(tangents, pieces))]


@defjvp(np.c_)
def c_jvp(tangents, ans, *pieces):
    return np.c_[tuple(_or_zero(t, p) for t, p in zip(tangents, pieces))]
