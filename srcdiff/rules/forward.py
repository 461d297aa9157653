"""Forward mode (tangents): how each rule's primal maps input tangents to the output tangent.

Most rules need no forward rule of their own. An elementwise function's tangent is its adjoint expression
with the cotangent replaced by the input's tangent (``g * np.cos(x)`` gives ``dx * np.cos(x)``). A function
that is linear in some arguments (``np.sum``, ``@``, ``reshape``...) maps their tangents as it maps values.
A function that adds its arguments (``sum``) maps their tangents together. The rest have a forward rule here,
``jvp(tangents, ans, *args)``, returning the output's tangent.
"""

import ast
import builtins
import math

import numpy as np

from .. import runtime
from ..runtime import (
    arange_tangent,
    extremum_cotangent,
    linspace_fractions,
    norm_cotangent,
    prod_cotangent,
    reduced_cotangent,
    std_cotangent,
    unbroadcast,
    unique_tangent,
    var_cotangent,
)
from . import builtins_rules, numpy_construction, numpy_linalg
from .registry import _RULES, defjvp, forward_kind, nondifferentiable

# ---- elementwise: tangents from the adjoint expressions ----------------------------------------------------

_ELEMENTWISE = [
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.Pow,
    ast.Mod,
    ast.USub,
    ast.UAdd,
    np.exp,
    np.exp2,
    np.expm1,
    np.log,
    np.log2,
    np.log10,
    np.log1p,
    np.sqrt,
    np.cbrt,
    np.square,
    np.reciprocal,
    np.power,
    np.logaddexp,
    np.logaddexp2,
    np.sin,
    np.cos,
    np.tan,
    np.arcsin,
    np.arccos,
    np.arctan,
    np.arctan2,
    np.hypot,
    np.sinh,
    np.cosh,
    np.tanh,
    np.arcsinh,
    np.arccosh,
    np.arctanh,
    np.add,
    np.subtract,
    np.multiply,
    np.divide,
    np.negative,
    np.abs,
    np.fabs,
    np.maximum,
    np.minimum,
    builtins.abs,
    np.heaviside,
]
_ELEMENTWISE += [
    primal
    for primal in list(_RULES)
    if getattr(primal, "__module__", None) == "math"
    or getattr(math, getattr(primal, "__name__", ""), None) is primal
]
for _primal in _ELEMENTWISE:
    if _RULES.get(_primal) is not None and _RULES[_primal].vjp is not None:
        forward_kind(_primal, "elementwise")

# ---- linear in some arguments: the primal applied to the tangents ------------------------------------------

for _primal, _positions in [
    (ast.MatMult, (0, 1)),
    (np.matmul, (0, 1)),
    (np.dot, (0, 1)),
    (np.inner, (0, 1)),
    (np.outer, (0, 1)),
    (np.sum, (0,)),
    (np.mean, (0,)),
    (np.cumsum, (0,)),
    (np.transpose, (0,)),
    (np.trace, (0,)),
    (np.reshape, (0,)),
    (np.ravel, (0,)),
    (np.squeeze, (0,)),
    (np.expand_dims, (0,)),
    (np.atleast_1d, (0,)),
    (np.atleast_2d, (0,)),
    (np.broadcast_to, (0,)),
    (np.concatenate, (0,)),
    (np.stack, (0,)),
    (np.hstack, (0,)),
    (np.vstack, (0,)),
    (np.copy, (0,)),
    (np.asarray, (0,)),
    (np.array, (0,)),
    (builtins.float, (0,)),
    (np.diag, (0,)),
    (np.flip, (0,)),
    (np.roll, (0,)),
    (np.tril, (0,)),
    (np.triu, (0,)),
    (np.swapaxes, (0,)),
    (np.moveaxis, (0,)),
    (np.float64, (0,)),
    (np.full, (1,)),
]:
    forward_kind(_primal, "linear", *_positions)

# additive: linear in all these arguments together (a sum), the tangent is the function of their tangents
forward_kind(builtins.sum, "additive", 0, 1)

# einsum(subscripts, *operands) is linear in each operand: its rule below

# ---- the runtime's helpers, met when forward mode differentiates generated gradient code (Hessians) ---------
# Each is linear in the cotangent it maps (and some in an operand too); the rest carry no tangent.

for _helper, _positions in [
    (runtime.unbroadcast, (0,)),
    (runtime.unbroadcast_product, (0, 1)),
    (runtime.reduced_cotangent, (0,)),
    (runtime.index_add, (0,)),
    (runtime.sum_cotangent, (0,)),
    (runtime.matmul_left, (0, 2)),
    (runtime.matmul_right, (0, 1)),
    (runtime.dot_left, (0, 2)),
    (runtime.dot_right, (0, 1)),
    (runtime.inner_left, (0, 2)),
    (runtime.inner_right, (0, 1)),
    (runtime.zero_at, (0,)),
    (runtime.written_cotangent, (0,)),
    (runtime.tangent_like, (0,)),
    (runtime.cumsum_cotangent, (0,)),
    (runtime.concatenate_cotangent, (0,)),
    (runtime.stack_cotangent, (0,)),
    (runtime.hstack_cotangent, (0,)),
    (runtime.vstack_cotangent, (0,)),
    (runtime.transpose_cotangent, (0,)),
    (runtime.squeeze_cotangent, (0,)),
    (runtime.extremum_cotangent, (0,)),
    (runtime.where_cotangent, (0,)),
    (runtime.clip_cotangent, (0,)),
    (runtime.var_cotangent, (0, 1)),
    (runtime.cast_cotangent, (0,)),
    (runtime.as_tuple, (0,)),
    (runtime.choice_cotangents, (0,)),
    (runtime.diag_cotangent, (0,)),
    (runtime.clip_bound_cotangent, (0,)),
    (runtime.unique_cotangent, (0,)),
    (runtime.linspace_cotangents, (0,)),
    (runtime.arange_cotangents, (0,)),
    (runtime.trace_cotangent, (0,)),
    (runtime.sequence_sum_cotangent, (0,)),
    # rules the generated code calls (rather than pasting their expressions), linear in the cotangent
    (numpy_construction.linspace, (0,)),
    (numpy_construction.arange, (0,)),
    (builtins_rules.maximum, (0,)),
    (runtime.r_cotangents, (0,)),
    (runtime.c_cotangents, (0,)),
    (numpy_construction.r_, (0,)),
    (numpy_construction.c_, (0,)),
    (builtins_rules.minimum, (0,)),
]:
    forward_kind(_helper, "linear", *_positions)
forward_kind(runtime.add, "additive", 0, 1)
forward_kind(runtime.with_item, "additive", 0, 2)
forward_kind(runtime.add_at, "additive", 0, 2)
nondifferentiable(
    runtime.seed,
    runtime.zeros_like,
    runtime.reduced_size,
    runtime.check_aux,
    runtime.check_unshared,
    builtins.type,
    runtime.linspace_fractions,
)


# ---- forward rules ---------------------------------------------------------------------------------------


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


# ---- the runtime's helpers that are not linear in their operands: for second derivatives -------------------


def _or_zero(tangent, like):
    return np.zeros(np.shape(like)) if tangent is None else tangent


@defjvp(runtime.det_cotangent)
def det_cotangent_jvp(tangents, ans, g, det, a):
    g_t, _, a_t = tangents  # det_cotangent reads a's cofactors, not det
    total = np.zeros(np.shape(a))
    if g_t is not None:
        total = total + np.asarray(g_t)[..., None, None] * runtime.cofactors(a)
    if a_t is not None:
        total = total + np.asarray(g)[..., None, None] * _cofactors_tangent(
            np.asarray(a, dtype=float), a_t
        )
    return total


def _cofactors_tangent(a, a_t):
    """The tangent of the cofactor matrix of ``a`` along ``a_t``, singular matrices included.

    The cofactors of a + t a_t are polynomials in t of degree n - 1 at most: their derivative at 0 is the
    coefficient of t in the polynomial through their values at n points (exact for such polynomials).
    """
    a_t = np.broadcast_to(a_t, a.shape)
    n = a.shape[-1]
    if n == 1:
        return np.zeros(a.shape)
    if runtime.well_conditioned(a):
        # cofactors(a) = det(a) inv(a).T: the tangent is det(a) (tr(inv(a) da) inv(a) - inv(a) da inv(a)).T
        inverse = np.linalg.inv(a)
        spread = inverse @ a_t
        inner = np.trace(spread, axis1=-2, axis2=-1)[..., None, None] * inverse - spread @ inverse
        return np.linalg.det(a)[..., None, None] * np.swapaxes(inner, -1, -2)
    scale = float(np.max(np.abs(a_t)))
    radius = max(float(np.max(np.abs(a))), 1.0) / (scale if scale > 0 else 1.0)
    nodes = radius * np.cos(np.pi * (np.arange(n) + 0.5) / n)
    slope_weights = np.linalg.inv(np.vander(nodes, n, increasing=True))[1]
    return sum(w * runtime.cofactors(a + t * a_t) for w, t in zip(slope_weights, nodes))


@defjvp(runtime.solve_cotangents)
def solve_cotangents_jvp(tangents, ans, g, x, a, b):
    g_t, x_t, a_t, _ = tangents
    vector = np.ndim(b) == 1 or (
        np.lib.NumpyVersion(np.__version__) < "2.0.0" and np.ndim(b) == np.ndim(a) - 1
    )

    def column(value):
        return value[..., None] if vector else value

    a_transposed = np.swapaxes(a, -1, -2)
    gb = np.linalg.solve(a_transposed, column(g))
    rhs = column(_or_zero(g_t, g))
    if a_t is not None:
        rhs = rhs - np.swapaxes(a_t, -1, -2) @ gb
    gb_t = np.linalg.solve(a_transposed, rhs)
    ga_t = -np.matmul(gb_t, np.swapaxes(column(x), -1, -2))
    if x_t is not None:
        ga_t = ga_t - np.matmul(gb, np.swapaxes(column(x_t), -1, -2))
    return unbroadcast(ga_t, a), unbroadcast(gb_t[..., 0] if vector else gb_t, b)


@defjvp(runtime.std_cotangent)
def std_cotangent_jvp(tangents, ans, g, std, x, axis, ddof, keepdims):
    g_t, std_t, x_t = tangents[:3]
    if runtime.reduced_size(x, axis) == 1 and ddof < 1:
        return np.zeros(np.shape(x))
    std = np.asarray(std)
    total = np.zeros(np.shape(x))
    if g_t is not None:
        total = total + var_cotangent(g_t / (2.0 * std), x, axis, ddof, keepdims)
    if std_t is not None:
        total = total - var_cotangent(g * std_t / (2.0 * std * std), x, axis, ddof, keepdims)
    if x_t is not None:
        total = total + var_cotangent(g / (2.0 * std), x_t, axis, ddof, keepdims)
    return total


def _others_product_tangent(x, x_t):
    """For each k along the last axis, the tangent of the product of the other elements (exact with zeros)."""
    n = x.shape[-1]
    left = np.ones(x.shape[:-1])
    left_t = np.zeros(x.shape[:-1])
    lefts, lefts_t = [], []
    for k in range(n):
        lefts.append(left)
        lefts_t.append(left_t)
        left, left_t = left * x[..., k], left_t * x[..., k] + left * x_t[..., k]
    right = np.ones(x.shape[:-1])
    right_t = np.zeros(x.shape[:-1])
    out = [None] * n
    for k in reversed(range(n)):
        out[k] = lefts_t[k] * right + lefts[k] * right_t
        right, right_t = right * x[..., k], right_t * x[..., k] + right * x_t[..., k]
    return np.stack(out, axis=-1) if n else np.zeros(x.shape)


@defjvp(runtime.prod_cotangent)
def prod_cotangent_jvp(tangents, ans, g, product, x, axis, keepdims):
    g_t, _, x_t = tangents[:3]
    x = np.asarray(x, dtype=float)
    total = np.zeros(x.shape)
    if g_t is not None:
        total = total + prod_cotangent(g_t, product, x, axis, keepdims)
    if x_t is not None:
        x_t = np.broadcast_to(x_t, x.shape)
        if axis is None:
            others = np.reshape(_others_product_tangent(x.reshape(-1), x_t.reshape(-1)), x.shape)
        else:
            others = np.moveaxis(
                _others_product_tangent(np.moveaxis(x, axis, -1), np.moveaxis(x_t, axis, -1)),
                -1,
                axis,
            )
        total = total + reduced_cotangent(g, x, axis, keepdims) * others
    return total


def _singular_weights_tangent(x, x_t, ord):
    """The tangent of the gradient of a norm made of singular values (U V^T for the nuclear norm, u v^T of the
    largest or smallest singular value for ord 2 and -2), for a stack of matrices of full rank with distinct
    singular values: the derivatives of the SVD."""
    if x.shape[-2] < x.shape[-1]:  # the norms of x and of its transpose are equal
        return np.swapaxes(
            _singular_weights_tangent(np.swapaxes(x, -1, -2), np.swapaxes(x_t, -1, -2), ord), -1, -2
        )
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    v = np.swapaxes(vt, -1, -2)
    p = np.swapaxes(u, -1, -2) @ x_t @ v
    squares = s[..., None, :] ** 2 - s[..., :, None] ** 2  # s_j^2 - s_i^2
    n = s.shape[-1]
    f = np.where(np.eye(n, dtype=bool), 0.0, 1.0 / np.where(np.eye(n, dtype=bool), 1.0, squares))
    s_row, s_column = s[..., None, :], s[..., :, None]
    p_t = np.swapaxes(p, -1, -2)
    u_t = u @ (f * (p * s_row + s_column * p_t)) + (x_t @ v - u @ p) / s_row
    v_t = v @ (f * (s_column * p + p_t * s_row))
    if ord == "nuc":
        return u_t @ vt + u @ np.swapaxes(v_t, -1, -2)
    i = 0 if ord == 2 else n - 1
    return u_t[..., :, i : i + 1] * vt[..., i : i + 1, :] + u[..., :, i : i + 1] * np.swapaxes(
        v_t[..., :, i : i + 1], -1, -2
    )


@defjvp(runtime.norm_cotangent)
def norm_cotangent_jvp(tangents, ans, g, norm, x, ord, axis, keepdims):
    g_t, norm_t, x_t = tangents[:3]
    x = np.asarray(x, dtype=float)
    total = np.zeros(x.shape)
    if g_t is not None:
        total = total + norm_cotangent(g_t, norm, x, ord, axis, keepdims)
    if norm_t is None and x_t is None:
        return total
    norm_t = np.zeros(np.shape(norm)) if norm_t is None else norm_t
    x_t = np.zeros(x.shape) if x_t is None else np.broadcast_to(x_t, x.shape)
    axes = runtime._matrix_norm_axes(x, ord, axis)
    if axes is not None and ord not in (None, "fro"):
        if ord in ("nuc", 2, -2):
            moved, moved_t = np.moveaxis(x, axes, (-2, -1)), np.moveaxis(x_t, axes, (-2, -1))
            big_g = np.reshape(g, moved.shape[:-2])[..., None, None]
            return total + np.moveaxis(
                big_g * _singular_weights_tangent(moved, moved_t, ord), (-2, -1), axes
            )
        return total  # the 1- and inf-norms are piecewise linear: no second derivative
    if axes is None and ord in (1, 0, np.inf, -np.inf):
        return total
    # p-norms (the 2-norm and Frobenius among them): weights g * sign(x) |x|^(p-1) / norm^(p-1)
    p = 2.0 if ord in (None, "fro") else float(ord)
    if axes is not None:
        reduce_axis = axes if axis is not None else None
    else:
        reduce_axis = axis[0] if np.ndim(axis) == 1 else axis
    big_g = reduced_cotangent(g, x, reduce_axis, keepdims)
    big_norm = runtime._safe(reduced_cotangent(norm, x, reduce_axis, keepdims))
    big_norm_t = reduced_cotangent(norm_t, x, reduce_axis, keepdims)
    magnitude = np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (
            np.where(magnitude == 0, 0.0 if p >= 2 else np.nan, magnitude ** (p - 2))
            if p != 2
            else 1.0
        )
        # d/dx of sign(x) |x|^(p-1) is (p-1) |x|^(p-2); d/dnorm of norm^(1-p) is (1-p) norm^(-p)
        term = (p - 1.0) * slope * x_t / big_norm ** (p - 1)
        term = term - (p - 1.0) * np.sign(x) * magnitude ** (p - 1) * big_norm_t / big_norm**p
    return total + big_g * term


def _einsum_cotangents_jvp(g_t, g, args, args_t):
    spec = runtime.einsum_spec(args)
    positions = spec[2]
    operands = [args[p] for p in positions]
    out = [None] * len(args)
    for i, p in enumerate(positions):
        total = np.zeros(np.shape(args[p]))
        if g_t is not None:
            total = total + runtime.einsum_cotangent(g_t, i, spec, *operands)
        for j, q in enumerate(positions):
            if j != i and args_t[q] is not None:
                varied = list(operands)
                varied[j] = args_t[q]
                total = total + runtime.einsum_cotangent(g, i, spec, *varied)
        out[p] = total
    return tuple(out)


@defjvp(numpy_linalg.einsum)
def einsum_rule_jvp(tangents, ans, g, result, *args, optimize=False):
    return _einsum_cotangents_jvp(tangents[0], g, args, tangents[2:])


@defjvp(numpy_linalg.solve)
def solve_rule_jvp(tangents, ans, g, x, a, b):
    # the rule returns solve_cotangents(g, x, a, b): one expression for two cotangents, so it is called
    return solve_cotangents_jvp(tangents, ans, g, x, a, b)


@defjvp(np.r_)
def r_jvp(tangents, ans, *pieces):
    return np.r_[tuple(_or_zero(t, p) for t, p in zip(tangents, pieces))]


@defjvp(np.c_)
def c_jvp(tangents, ans, *pieces):
    return np.c_[tuple(_or_zero(t, p) for t, p in zip(tangents, pieces))]
