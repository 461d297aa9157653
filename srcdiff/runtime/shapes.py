"""Cotangents of functions that rearrange elements: joins (``np.concatenate``, ``np.stack``, ``np.hstack``,
``np.vstack``, ``np.r_``, ``np.c_``), transposes, squeezes, traces and diagonals.

Part of ``srcdiff.runtime`` (numpy and the standard library only, so that exported modules can copy it).
"""

import numpy as np


def concatenate_cotangent(g, arrays, axis):
    """Cotangents of the pieces of ``np.concatenate(arrays, axis)``."""
    if axis is None:
        sizes = np.cumsum([np.size(a) for a in arrays])[:-1]
        return [
            piece.reshape(np.shape(a)) for piece, a in zip(np.split(np.ravel(g), sizes), arrays)
        ]
    sizes = np.cumsum([np.shape(a)[axis] for a in arrays])[:-1]
    return list(np.split(g, sizes, axis=axis))


def stack_cotangent(g, arrays, axis):
    """Cotangents of the pieces of ``np.stack(arrays, axis)``."""
    return [np.take(g, i, axis=axis) for i in range(len(arrays))]


def hstack_cotangent(g, arrays):
    """Cotangents of the pieces of ``np.hstack(arrays)``."""
    if all(np.ndim(a) <= 1 for a in arrays):
        pieces = concatenate_cotangent(g, [np.atleast_1d(a) for a in arrays], 0)
        return [p.reshape(np.shape(a)) for p, a in zip(pieces, arrays)]
    return concatenate_cotangent(g, arrays, 1)


def vstack_cotangent(g, arrays):
    """Cotangents of the pieces of ``np.vstack(arrays)``."""
    pieces = concatenate_cotangent(g, [np.atleast_2d(a) for a in arrays], 0)
    return [p.reshape(np.shape(a)) for p, a in zip(pieces, arrays)]


def transpose_cotangent(g, axes):
    """Cotangent of ``np.transpose(x, axes)``."""
    if axes is None:
        return np.transpose(g)
    return np.transpose(
        g, np.argsort([a % np.ndim(g) for a in axes])
    )  # axes may count from the end


def trace_cotangent(g, a):
    """Cotangent of ``np.trace(a)``: ``g`` along the diagonal of the first two axes."""
    shape = np.shape(a)
    return np.reshape(np.eye(shape[0], shape[1]), shape[:2] + (1,) * (len(shape) - 2)) * g


def squeeze_cotangent(g, x):
    """Cotangent of ``np.squeeze`` (and of any reshape): ``g`` in the shape of ``x``."""
    return np.reshape(g, np.shape(x))


def diag_cotangent(g, v, k):
    """Cotangent of ``np.diag(v, k)``: read back the diagonal it built, or place ``g`` on the one it read."""
    if np.ndim(v) == 1:
        return np.diag(g, k)
    out = np.zeros(np.shape(v), dtype=np.result_type(g, 1.0))
    steps = np.arange(len(g))
    if k >= 0:
        out[steps, steps + k] = g
    else:
        out[steps - k, steps] = g
    return out


def r_cotangents(g, pieces):
    """Cotangents of the pieces of ``np.r_[pieces]``: joined along the first axis, a scalar as one element."""
    cotangents, start = [], 0
    for piece in pieces:
        shape = np.shape(piece)
        length = shape[0] if shape else 1
        cotangents.append(np.reshape(g[start : start + length], shape))
        start += length
    return tuple(cotangents)


def c_cotangents(g, pieces):
    """Cotangents of the pieces of ``np.c_[pieces]``: joined along the last axis, a vector as a column."""
    cotangents, start = [], 0
    for piece in pieces:
        shape = np.shape(piece)
        width = shape[-1] if len(shape) >= 2 else 1
        cotangents.append(np.reshape(g[..., start : start + width], shape))
        start += width
    return tuple(cotangents)
