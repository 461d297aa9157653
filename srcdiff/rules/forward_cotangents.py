"""Forward rules of the runtime's cotangent helpers that are not linear in their operands (the cotangents of
``np.linalg.det``, ``solve``, ``np.std``, ``np.prod`` and ``np.linalg.norm``), and of the numpy rules that
generated code calls rather than pastes (``np.einsum``, ``np.linalg.solve``).

Second derivatives (forward over reverse) differentiate generated gradient code, which calls these helpers: their
tangents are the derivatives of the cotangents, singular matrices and zeros included where the helpers define
them there.
"""

import numpy as np

from .. import runtime
from ..runtime import norm_cotangent, prod_cotangent, reduced_cotangent, unbroadcast, var_cotangent
from . import numpy_linalg
from .forward_numpy import _or_zero
from .registry import defjvp


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
