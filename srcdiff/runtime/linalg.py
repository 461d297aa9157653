"""Cotangents of linear algebra: the operands of ``@``, ``np.dot`` and ``np.inner``, the determinant (through
the cofactors, defined for singular matrices too) and ``np.linalg.solve``.

Part of ``srcdiff.runtime`` (numpy and the standard library only, so that exported modules can copy it).
"""

import numpy as np

from .broadcasting import unbroadcast
from .einsum import einsum_cotangent


def matmul_left(g, a, b):
    """Cotangent of ``a`` in ``a @ b``."""
    a_ndim, b_ndim = np.ndim(a), np.ndim(b)
    if b_ndim == 1:
        return unbroadcast(np.multiply.outer(g, b) if a_ndim > 1 else g * b, a)
    if a_ndim == 1:
        return (
            np.matmul(b, g) if b_ndim == 2 else unbroadcast(np.matmul(b, g[..., None])[..., 0], a)
        )
    return unbroadcast(np.matmul(g, np.swapaxes(b, -1, -2)), a)


def matmul_right(g, a, b):
    """Cotangent of ``b`` in ``a @ b``."""
    a_ndim, b_ndim = np.ndim(a), np.ndim(b)
    if a_ndim == 1:
        # a vector times each matrix of a stack b: g has b's batch shape, less a row
        outer = np.expand_dims(a, -1) * np.expand_dims(g, -2) if b_ndim > 1 else g * a
        return unbroadcast(outer, b)
    if b_ndim == 1:
        return (
            np.matmul(g, a)
            if a_ndim == 2
            else unbroadcast(np.matmul(g[..., None, :], a)[..., 0, :], b)
        )
    return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), g), b)


def _dot_subscripts(a, b):
    """``np.dot(a, b)`` as einsum subscripts: the last axis of ``a`` against the second-to-last of ``b``."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    m, n = np.ndim(a), np.ndim(b)
    left = letters[: m - 1] + "z"
    right = letters[m - 1 : m + n - 3] + "z" + letters[m + n - 3]
    return f"{left},{right}->{left[:-1]}{right[:-2]}{right[-1]}"


def dot_left(g, a, b):
    """Cotangent of ``a`` in ``np.dot(a, b)``."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a)
    if np.ndim(b) > 2:
        return einsum_cotangent(g, 0, _dot_subscripts(a, b), a, b)
    return matmul_left(g, a, b)


def dot_right(g, a, b):
    """Cotangent of ``b`` in ``np.dot(a, b)``."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b)
    if np.ndim(b) > 2:
        return einsum_cotangent(g, 1, _dot_subscripts(a, b), a, b)
    return matmul_right(g, a, b)


def inner_left(g, a, b):
    """Cotangent of ``a`` in ``np.inner(a, b)``: the last axes of ``a`` and ``b`` are contracted."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a)
    return dot_left(g, a, np.swapaxes(b, -1, -2) if np.ndim(b) > 1 else b)


def inner_right(g, a, b):
    """Cotangent of ``b`` in ``np.inner(a, b)``."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b)
    return inner_left(np.swapaxes(g, -1, -2) if np.ndim(g) > 1 else g, b, a)


def others_product(values):
    """For each k along the last axis, the product of the other values: exact where some are zero."""
    ones = np.ones(values.shape[:-1] + (1,))
    left = np.concatenate((ones, np.cumprod(values, axis=-1)[..., :-1]), axis=-1)
    right = np.concatenate(
        (np.flip(np.cumprod(np.flip(values, -1), axis=-1), -1)[..., 1:], ones), axis=-1
    )
    return left * right


def well_conditioned(a):
    """Whether every matrix of ``a`` is far enough from singular for det(a) inv(a) to be accurate: its
    determinant is not tiny next to the product of its rows' lengths (Hadamard's bound)."""
    with np.errstate(all="ignore"):
        det = np.linalg.det(a)
        return bool(np.all(np.abs(det) > 1e-8 * np.prod(np.linalg.norm(a, axis=-1), axis=-1)))


def cofactors(a):
    """The matrix of cofactors of ``a`` (or of each matrix of a stack): det(a) inv(a).T where a is invertible,
    and defined for singular matrices too (from the SVD: a = U S V^T gives det(U) det(V) U adj(S) V^T).
    """
    if well_conditioned(a):
        return np.linalg.det(a)[..., None, None] * np.swapaxes(np.linalg.inv(a), -1, -2)
    u, s, vt = np.linalg.svd(a)
    signs = np.linalg.det(u) * np.linalg.det(vt)
    return signs[..., None, None] * (u * others_product(s)[..., None, :]) @ vt


def det_cotangent(g, ans, a):
    """Cotangent of ``np.linalg.det``: g times the cofactors of a (g * det(a) * inv(a).T where a is
    invertible; singular matrices have cofactors too)."""
    return np.asarray(g)[..., None, None] * cofactors(a)


def solve_cotangents(g, ans, a, b):
    """Cotangents of ``np.linalg.solve(a, b)``."""
    # numpy 2 reads b as a vector only when it is 1-d; numpy 1 also when it has a dimension less than a
    vector = np.ndim(b) == 1 or (
        np.lib.NumpyVersion(np.__version__) < "2.0.0" and np.ndim(b) == np.ndim(a) - 1
    )
    gb = np.linalg.solve(np.swapaxes(a, -1, -2), g[..., None] if vector else g)
    x = ans[..., None] if vector else ans
    ga = -np.matmul(gb, np.swapaxes(x, -1, -2))
    # a and b may broadcast against each other's stacks: sum the cotangents back to their own shapes
    return unbroadcast(ga, a), unbroadcast(gb[..., 0] if vector else gb, b)
