"""Adjoints of numpy's functions that rearrange elements without changing them: reshapes, squeezes, joins
(``np.concatenate``, ``np.stack``...), broadcasts, diagonals, flips, rolls, triangles and moved axes.

Part of the numpy rules (``numpy_rules`` imports every family and lists the functions without a gradient).
"""

import numpy as np

from ..runtime import (
    concatenate_cotangent,
    diag_cotangent,
    hstack_cotangent,
    squeeze_cotangent,
    stack_cotangent,
    unbroadcast,
    vstack_cotangent,
)
from .registry import defvjp


@defvjp(np.reshape)
def reshape(g, ans, a, shape=None, order="C", **kwargs):
    return (np.reshape(g, np.shape(a)),)


@defvjp(np.ravel)
def ravel(g, ans, a, order="C"):
    return (np.reshape(g, np.shape(a)),)


@defvjp(np.squeeze)
def squeeze(g, ans, a, axis=None):
    return (squeeze_cotangent(g, a),)


@defvjp(np.expand_dims)
def expand_dims(g, ans, a, axis):
    return (np.reshape(g, np.shape(a)),)


@defvjp(np.atleast_1d)
def atleast_1d(g, ans, a):
    return (np.reshape(g, np.shape(a)),)


@defvjp(np.atleast_2d)
def atleast_2d(g, ans, a):
    return (np.reshape(g, np.shape(a)),)


@defvjp(np.concatenate)
def concatenate(g, ans, arrays, axis=0):
    return (concatenate_cotangent(g, arrays, axis),)


@defvjp(np.stack)
def stack(g, ans, arrays, axis=0):
    return (stack_cotangent(g, arrays, axis),)


@defvjp(np.hstack)
def hstack(g, ans, tup):
    return (hstack_cotangent(g, tup),)


@defvjp(np.vstack)
def vstack(g, ans, tup):
    return (vstack_cotangent(g, tup),)


@defvjp(np.broadcast_to)
def broadcast_to(g, ans, array, shape):
    return (unbroadcast(g, array),)


@defvjp(np.diag)
def diag(g, ans, v, k=0):
    return (diag_cotangent(g, v, k),)


@defvjp(np.flip)
def flip(g, ans, m, axis=None):
    return (np.flip(g, axis),)


@defvjp(np.roll)
def roll(g, ans, a, shift, axis=None):
    return (np.roll(g, np.negative(shift), axis),)


@defvjp(np.tril)
def tril(g, ans, m, k=0):
    return (np.tril(g, k),)


@defvjp(np.triu)
def triu(g, ans, m, k=0):
    return (np.triu(g, k),)


@defvjp(np.swapaxes)
def swapaxes(g, ans, a, axis1, axis2):
    return (np.swapaxes(g, axis1, axis2),)


@defvjp(np.moveaxis)
def moveaxis(g, ans, a, source, destination):
    return (np.moveaxis(g, destination, source),)
