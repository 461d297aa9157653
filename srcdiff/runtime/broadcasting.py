"""Shapes of cotangents and tangents: a broadcast result's cotangent summed back to an operand's shape, a
cotangent given the shape and dtype of its value, a tangent broadcast to its result's shape.

Part of ``srcdiff.runtime``, which generated code calls as ``_rt.NAME``: like the rest of the package it imports
nothing but numpy, so that ``srcdiff -o`` can copy its functions into a standalone module.
"""

import numpy as np

# the bytes every stand-in reads: zeros, read-only, enough for any numeric dtype
_ZEROS = np.frombuffer(bytes(16), dtype=np.uint8)


def stand_in(x):
    """A value that answers like ``x`` to every question but its elements': for an array, an array of its
    shape and dtype that holds no data of its own (every element is the same zero, and it cannot be written);
    anything else, ``x`` itself.

    The forward sweep saves this on the tape where the backward sweep reads a value only for its shape
    (``unbroadcast(g, x)``), so the tape does not keep each iteration's array alive.
    """
    if type(x) is not np.ndarray or x.dtype.itemsize > 16 or x.dtype.kind not in "biufc":
        return x
    return np.ndarray(x.shape, x.dtype, _ZEROS, 0, (0,) * x.ndim)


def _shape(value):
    """``np.shape(value)``, quicker for arrays (generated code asks for shapes a lot)."""
    return value.shape if type(value) is np.ndarray else np.shape(value)


def unbroadcast(g, x):
    """Sum the cotangent ``g`` of a broadcast result down to the shape of the operand ``x``."""
    if type(x) is float:  # the common scalar case, without numpy's slower shape queries
        return g if type(g) is float or not isinstance(g, np.ndarray) or g.ndim == 0 else np.sum(g)
    x_shape = _shape(x)
    if _shape(g) == x_shape:
        return g
    g = np.asarray(g)
    extra = g.ndim - len(x_shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(x_shape) if n == 1 and g.shape[i] != 1)
    if stretched:
        g = g.sum(axis=stretched, keepdims=True)
    if not x_shape:
        return g[()]
    return g


def unbroadcast_product(g, y, x):
    """``unbroadcast(g * y, x)``: for a scalar ``x`` and same-shaped ``g`` and ``y``, one dot product instead of
    an array product and its sum."""
    if (type(x) is float or np.ndim(x) == 0) and np.ndim(g) > 0 and _shape(g) == _shape(y):
        total = np.vdot(g, y)
        return (
            total
            if isinstance(x, np.ndarray) or type(x) is float
            else np.asarray(x).dtype.type(total)
        )
    return unbroadcast(g * y, x)


def match(g, x):
    """Give the cotangent ``g`` the shape and floating dtype of ``x`` (a float for a Python float)."""
    if isinstance(x, np.ndarray):
        g = np.broadcast_to(g, x.shape) if np.shape(g) != x.shape else g
        if x.dtype.kind == "f" and np.asarray(g).dtype != x.dtype:
            return np.asarray(g).astype(x.dtype)
        return np.asarray(g) if not isinstance(g, np.ndarray) else g
    if isinstance(x, np.generic) and x.dtype.kind == "f":
        return x.dtype.type(g)
    if isinstance(x, float) and not isinstance(g, float):
        return float(g)
    return g


def tangent_like(t, ans):
    """The tangent ``t`` with the shape of the result ``ans``: where a constant operand broadcast the varied one
    to a larger shape, its tangent is broadcast the same way."""
    shape = np.shape(ans)
    if np.shape(t) == shape:
        return t
    return np.array(np.broadcast_to(t, shape), dtype=np.result_type(t, 1.0))
