"""Adjoints of the ``math`` module's functions of floats.

Where a slope is infinite (``sqrt`` at 0, ``asin`` and ``acos`` at -1 and 1, ``pow(x, y)`` at x = 0 for
0 < y < 1) the gradient is inf, as numpy's floats give, rather than a ZeroDivisionError; ``atan2`` at the origin,
where it has no derivative, gives nan; ``hypot`` there gives 0, as a norm does.
"""

import math

from .registry import defvjp, nondifferentiable

# ---- trigonometric ------------------------------------------------------------------------------------------


@defvjp(math.sin)
def sin(g, ans, x):
    return (g * math.cos(x),)


@defvjp(math.cos)
def cos(g, ans, x):
    return (-g * math.sin(x),)


@defvjp(math.tan)
def tan(g, ans, x):
    return (g * (1.0 + ans * ans),)


@defvjp(math.asin)
def asin(g, ans, x):
    return (
        g / math.sqrt(1.0 - x * x) if x * x != 1.0 else g * math.inf,
    )  # an infinite slope at -1 and 1


@defvjp(math.acos)
def acos(g, ans, x):
    return (-g / math.sqrt(1.0 - x * x) if x * x != 1.0 else -g * math.inf,)


@defvjp(math.atan)
def atan(g, ans, x):
    return (g / (1.0 + x * x),)


@defvjp(math.atan2)
def atan2(g, ans, y, x):
    # no derivative at the origin: nan there (as numpy gives), not a ZeroDivisionError
    return (
        g * x / (x * x + y * y) if x or y else g * math.nan,
        -g * y / (x * x + y * y) if x or y else g * math.nan,
    )


# ---- hyperbolic ---------------------------------------------------------------------------------------------


@defvjp(math.sinh)
def sinh(g, ans, x):
    return (g * math.cosh(x),)


@defvjp(math.cosh)
def cosh(g, ans, x):
    return (g * math.sinh(x),)


@defvjp(math.tanh)
def tanh(g, ans, x):
    return (g * (1.0 - ans * ans),)


# ---- exponential and logarithm ------------------------------------------------------------------------------


@defvjp(math.exp)
def exp(g, ans, x):
    return (g * ans,)


@defvjp(math.expm1)
def expm1(g, ans, x):
    return (g * (ans + 1.0),)


@defvjp(math.log)
def log(g, ans, x, base=math.e):
    return g / (x * math.log(base)), -g * ans / (base * math.log(base))


@defvjp(math.log1p)
def log1p(g, ans, x):
    return (g / (1.0 + x),)


@defvjp(math.log2)
def log2(g, ans, x):
    return (g / (x * math.log(2.0)),)


@defvjp(math.log10)
def log10(g, ans, x):
    return (g / (x * math.log(10.0)),)


@defvjp(math.sqrt)
def sqrt(g, ans, x):
    # at 0 the slope is infinite: inf (as numpy gives), not a ZeroDivisionError
    return (g * 0.5 / ans if ans else g * math.inf,)


@defvjp(math.pow)
def pow(g, ans, x, y):
    # as for the ** operator: no 0 ** -1 at y = 0, and no gradient for y where x <= 0
    # at x = 0 the slope of x ** y for 0 < y < 1 is infinite: inf, not a ZeroDivisionError
    return (
        g * y * x ** (y - 1 + (y == 0)) if x or y >= 1 or y == 0 else g * y * math.inf,
        g * ans * math.log(x) if x > 0 else 0.0,
    )


@defvjp(math.fabs)
def fabs(g, ans, x):
    return (g * math.copysign(1.0, x),)


@defvjp(math.copysign)
def copysign(g, ans, x, y):
    # |x| with the sign of y: the sign of y carries no gradient
    return g * math.copysign(1.0, x) * math.copysign(1.0, ans), None


@defvjp(math.hypot)
def hypot(g, ans, x, y):
    # at the origin, where hypot has no derivative, 0 (as for np.linalg.norm)
    return g * x / (ans + (ans == 0)), g * y / (ans + (ans == 0))


@defvjp(math.erf)
def erf(g, ans, x):
    return (g * 2.0 / math.sqrt(math.pi) * math.exp(-x * x),)


nondifferentiable(
    math.floor,
    math.ceil,
    math.trunc,
    math.isnan,
    math.isinf,
    math.isfinite,
    math.factorial,
    math.comb,
    math.gcd,
)
