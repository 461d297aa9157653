"""Adjoints of numpy's elementwise functions: exponentials and logarithms, powers, trigonometric and hyperbolic
functions, arithmetic (the operators' rules), selection (``np.where``, ``np.clip``, ``np.maximum``...), casts
and copies.

Part of the numpy rules (``numpy_rules`` imports every family and lists the functions without a gradient).
"""

import numpy as np

from ..runtime import (
    cast_cotangent,
    clip_bound_cotangent,
    clip_cotangent,
    unbroadcast,
    where_cotangent,
)
from . import operators
from .registry import defvjp

# ---- elementwise: exponential, logarithm, powers --------------------------------------------------------


@defvjp(np.exp)
def exp(g, ans, x):
    return (g * ans,)


@defvjp(np.exp2)
def exp2(g, ans, x):
    return (g * ans * np.log(2.0),)


@defvjp(np.expm1)
def expm1(g, ans, x):
    return (g * (ans + 1.0),)


@defvjp(np.log)
def log(g, ans, x):
    return (g / x,)


@defvjp(np.log2)
def log2(g, ans, x):
    return (g / (x * np.log(2.0)),)


@defvjp(np.log10)
def log10(g, ans, x):
    return (g / (x * np.log(10.0)),)


@defvjp(np.log1p)
def log1p(g, ans, x):
    return (g / (1.0 + x),)


@defvjp(np.sqrt)
def sqrt(g, ans, x):
    return (g * 0.5 / ans,)


@defvjp(np.cbrt)
def cbrt(g, ans, x):
    return (g / (3.0 * ans * ans),)


@defvjp(np.square)
def square(g, ans, x):
    return (g * 2.0 * x,)


@defvjp(np.reciprocal)
def reciprocal(g, ans, x):
    return (-g * ans * ans,)


@defvjp(np.logaddexp)
def logaddexp(g, ans, x, y):
    # exp(x - ans) is the logistic function of x - y, written with tanh: stable, and without ans, so the
    # forward value need not be kept for it
    return (
        unbroadcast(g * (0.5 + 0.5 * np.tanh(0.5 * (x - y))), x),
        unbroadcast(g * (0.5 + 0.5 * np.tanh(0.5 * (y - x))), y),
    )


@defvjp(np.logaddexp2)
def logaddexp2(g, ans, x, y):
    return unbroadcast(g * 2.0 ** (x - ans), x), unbroadcast(g * 2.0 ** (y - ans), y)


# ---- elementwise: trigonometric and hyperbolic ---------------------------------------------------------


@defvjp(np.sin)
def sin(g, ans, x):
    return (g * np.cos(x),)


@defvjp(np.cos)
def cos(g, ans, x):
    return (-g * np.sin(x),)


@defvjp(np.tan)
def tan(g, ans, x):
    return (g * (1.0 + ans * ans),)


@defvjp(np.arcsin)
def arcsin(g, ans, x):
    return (g / np.sqrt(1.0 - x * x),)


@defvjp(np.arccos)
def arccos(g, ans, x):
    return (-g / np.sqrt(1.0 - x * x),)


@defvjp(np.arctan)
def arctan(g, ans, x):
    return (g / (1.0 + x * x),)


@defvjp(np.arctan2)
def arctan2(g, ans, y, x):
    return unbroadcast(g * x / (x * x + y * y), y), unbroadcast(-g * y / (x * x + y * y), x)


@defvjp(np.hypot)
def hypot(g, ans, x, y):
    # at the origin, where hypot has no derivative, 0 (as for np.linalg.norm)
    return unbroadcast(g * x / np.where(ans == 0, 1.0, ans), x), unbroadcast(
        g * y / np.where(ans == 0, 1.0, ans), y
    )


@defvjp(np.sinh)
def sinh(g, ans, x):
    return (g * np.cosh(x),)


@defvjp(np.cosh)
def cosh(g, ans, x):
    return (g * np.sinh(x),)


@defvjp(np.tanh)
def tanh(g, ans, x):
    return (g * (1.0 - ans * ans),)


@defvjp(np.arcsinh)
def arcsinh(g, ans, x):
    return (g / np.sqrt(x * x + 1.0),)


@defvjp(np.arccosh)
def arccosh(g, ans, x):
    return (g / np.sqrt(x * x - 1.0),)


@defvjp(np.arctanh)
def arctanh(g, ans, x):
    return (g / (1.0 - x * x),)


# ---- elementwise: arithmetic, selection ----------------------------------------------------------------


# np.add and the like are the operators written as functions: the same rules
defvjp(np.add)(operators.add)
defvjp(np.subtract)(operators.sub)
defvjp(np.multiply)(operators.mul)
defvjp(np.divide)(operators.div)
defvjp(np.power)(operators.power)
defvjp(np.negative)(operators.neg)


@defvjp(np.abs)
def absolute(g, ans, x):
    return (g * np.sign(x),)


@defvjp(np.fabs)
def fabs(g, ans, x):
    return (g * np.sign(x),)


@defvjp(np.maximum)
def maximum(g, ans, x, y):
    return (
        unbroadcast(g * np.where(x == y, 0.5, np.asarray(x > y, dtype=float)), x),
        unbroadcast(g * np.where(x == y, 0.5, np.asarray(y > x, dtype=float)), y),
    )


@defvjp(np.minimum)
def minimum(g, ans, x, y):
    return (
        unbroadcast(g * np.where(x == y, 0.5, np.asarray(x < y, dtype=float)), x),
        unbroadcast(g * np.where(x == y, 0.5, np.asarray(y < x, dtype=float)), y),
    )


@defvjp(np.where)
def where(g, ans, condition, x, y):
    return None, where_cotangent(g, condition, x, True), where_cotangent(g, condition, y, False)


@defvjp(np.clip)
def clip(g, ans, a, a_min=None, a_max=None, out=None, *, min=None, max=None):
    # numpy 2.1 also takes the bounds as min= and max=
    return (
        clip_cotangent(g, a, a_min, a_max, min, max),
        clip_bound_cotangent(g, a, a_min, True),
        clip_bound_cotangent(g, a, a_max, False),
    )


@defvjp(np.heaviside)
def heaviside(g, ans, x1, x2):
    # a step in x1; x2 is the value taken where x1 == 0
    return None, unbroadcast(g * (x1 == 0), x2)


# ---- casts and copies ----------------------------------------------------------------------------------


@defvjp(np.asarray)
def asarray(g, ans, a, dtype=None):
    return (cast_cotangent(g, ans),)


@defvjp(np.array)
def array(g, ans, a, dtype=None):
    return (cast_cotangent(g, ans),)


@defvjp(np.copy)
def copy(g, ans, a, order="K"):
    return (g,)


@defvjp(np.float64)
def to_float64(g, ans, x=0.0):
    return (g,)
