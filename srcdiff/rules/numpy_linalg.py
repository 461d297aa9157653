"""Adjoints of numpy's linear algebra: products (``@``, ``np.dot``, ``np.inner``, ``np.outer``,
``np.einsum``), transposes and traces, ``np.linalg.inv``, ``det`` and ``solve``. Their longer cotangents
live in ``srcdiff.runtime.linalg`` and ``srcdiff.runtime.einsum``.

Part of the numpy rules (``numpy_rules`` imports every family and lists the functions without a gradient).
"""

import numpy as np

from ..runtime import (
    det_cotangent,
    dot_left,
    dot_right,
    einsum_cotangents,
    inner_left,
    inner_right,
    matmul_left,
    matmul_right,
    solve_cotangents,
    trace_cotangent,
    transpose_cotangent,
)
from .registry import defvjp


@defvjp(np.matmul)
def matmul(g, ans, x1, x2):
    return matmul_left(g, x1, x2), matmul_right(g, x1, x2)


@defvjp(np.dot)
def dot(g, ans, a, b):
    return dot_left(g, a, b), dot_right(g, a, b)


@defvjp(np.inner)
def inner(g, ans, a, b):
    return inner_left(g, a, b), inner_right(g, a, b)


@defvjp(np.outer)
def outer(g, ans, a, b):
    return np.reshape(g @ np.ravel(b), np.shape(a)), np.reshape(np.ravel(a) @ g, np.shape(b))


@defvjp(np.transpose)
def transpose(g, ans, a, axes=None):
    return (transpose_cotangent(g, axes),)


@defvjp(np.trace)
def trace(g, ans, a):
    return (trace_cotangent(g, a),)


@defvjp(np.einsum)
def einsum(g, ans, *args, optimize=False):
    # np.einsum("ij,jk->ik", a, b) or the sublist form np.einsum(a, [0, 1], b, [1, 2], [0, 2]); optimize= only
    # changes the order of the products
    return einsum_cotangents(g, args)


@defvjp(np.linalg.inv)
def inv(g, ans, a):
    return (-np.swapaxes(ans, -1, -2) @ g @ np.swapaxes(ans, -1, -2),)


@defvjp(np.linalg.det)
def det(g, ans, a):
    return (det_cotangent(g, ans, a),)


@defvjp(np.linalg.solve)
def solve(g, ans, a, b):
    return solve_cotangents(g, ans, a, b)
