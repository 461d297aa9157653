"""Adjoints of numpy's functions: elementwise, reductions, linear algebra and shape manipulation.

Where a rule's body is one expression it is pasted into generated code; the longer ones live in
``srcdiff.runtime`` so that generated code can call them.

Where a function has no derivative, the rules return these (each checked by the tests):

- ``abs`` and ``sign`` at 0, the 1-norm at a zero element: 0;
- ties of ``max``, ``min``, ``np.unique``'s repeats and the inf-norms: the cotangent shared equally;
  ``np.maximum`` and ``np.minimum`` at equal arguments: half to each;
- the 2-norm (and Frobenius norm) at 0, ``np.hypot`` at the origin: 0; a p-norm with p < 1 at a zero element: nan;
- ``np.std`` over one element: 0 (it is constant); over several equal elements: nan, as autograd and JAX give;
  ``np.var`` of one element: 0;
- ``x ** y``: 0 for x where y = 0 (x ** 0 is 1 everywhere), 0 for y where x <= 0;
- ``np.linalg.det`` of a singular matrix: its cofactors, which are its gradient there too.
"""

import numpy as np

from ..runtime import (
    cast_cotangent,
    clip_bound_cotangent,
    clip_cotangent,
    concatenate_cotangent,
    cumsum_cotangent,
    arange_cotangents,
    c_cotangents,
    det_cotangent,
    diag_cotangent,
    dot_left,
    dot_right,
    einsum_cotangents,
    extremum_cotangent,
    hstack_cotangent,
    inner_left,
    linspace_cotangents,
    inner_right,
    matmul_left,
    matmul_right,
    norm_cotangent,
    prod_cotangent,
    r_cotangents,
    reduced_cotangent,
    reduced_size,
    solve_cotangents,
    squeeze_cotangent,
    stack_cotangent,
    std_cotangent,
    trace_cotangent,
    transpose_cotangent,
    unbroadcast,
    unique_cotangent,
    var_cotangent,
    vstack_cotangent,
    where_cotangent,
)
from . import operators
from .registry import defvjp, nondifferentiable

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


@defvjp(np.asarray)
def asarray(g, ans, a, dtype=None):
    return (cast_cotangent(g, ans),)


@defvjp(np.array)
def array(g, ans, a, dtype=None):
    return (cast_cotangent(g, ans),)


@defvjp(np.copy)
def copy(g, ans, a, order="K"):
    return (g,)


# ---- reductions ----------------------------------------------------------------------------------------


@defvjp(np.sum)
def sum(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return (reduced_cotangent(g, a, axis, keepdims),)


@defvjp(np.mean)
def mean(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return (reduced_cotangent(g / reduced_size(a, axis), a, axis, keepdims),)


@defvjp(np.prod)
def prod(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return (prod_cotangent(g, ans, a, axis, keepdims),)


@defvjp(np.max)
def max(g, ans, a, axis=None, out=None, keepdims=False):
    return (extremum_cotangent(g, ans, a, axis, keepdims),)


@defvjp(np.min)
def min(g, ans, a, axis=None, out=None, keepdims=False):
    return (extremum_cotangent(g, ans, a, axis, keepdims),)


defvjp(np.amax, max)  # the older names: distinct functions in numpy 2
defvjp(np.amin, min)


@defvjp(np.var)
def var(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return (var_cotangent(g, a, axis, ddof, keepdims),)


@defvjp(np.std)
def std(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return (std_cotangent(g, ans, a, axis, ddof, keepdims),)


@defvjp(np.cumsum)
def cumsum(g, ans, a, axis=None, dtype=None, out=None):
    return (np.reshape(cumsum_cotangent(g, axis), np.shape(a)),)


@defvjp(np.linalg.norm)
def norm(g, ans, x, ord=None, axis=None, keepdims=False):
    return (norm_cotangent(g, ans, x, ord, axis, keepdims),)


# ---- linear algebra ------------------------------------------------------------------------------------


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


# ---- shapes --------------------------------------------------------------------------------------------


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


@defvjp(np.float64)
def to_float64(g, ans, x=0.0):
    return (g,)


# ---- arrays built from values ---------------------------------------------------------------------------


@defvjp(np.full)
def full(g, ans, shape, fill_value, dtype=None, order="C"):
    return None, unbroadcast(cast_cotangent(g, ans), fill_value)


@defvjp(np.full_like)
def full_like(g, ans, a, fill_value, dtype=None, order="K", subok=True, shape=None):
    return None, unbroadcast(cast_cotangent(g, ans), fill_value)


@defvjp(np.linspace)
def linspace(g, ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    return linspace_cotangents(g, ans, start, stop, num, endpoint, retstep, axis)


@defvjp(np.arange)
def arange(g, ans, start, stop=None, step=None, dtype=None):
    # arange(stop) counts from 0: its values do not depend on stop's value, only their number does
    return arange_cotangents(g, ans, start, stop, step)


@defvjp(np.unique)
def unique(g, ans, ar):
    return (unique_cotangent(g, ar),)


@defvjp(np.r_)
def r_(g, ans, *pieces):
    # np.r_[a, 1.0, b] of values (the activity pass sends slices and directives elsewhere): a concatenation
    return r_cotangents(g, pieces)


@defvjp(np.c_)
def c_(g, ans, *pieces):
    return c_cotangents(g, pieces)


@defvjp(np.heaviside)
def heaviside(g, ans, x1, x2):
    # a step in x1; x2 is the value taken where x1 == 0
    return None, unbroadcast(g * (x1 == 0), x2)


# ---- no gradient ---------------------------------------------------------------------------------------

nondifferentiable(
    np.sign,
    np.floor,
    np.ceil,
    np.round,
    np.rint,
    np.trunc,
    np.fix,
    np.argmax,
    np.argmin,
    np.argsort,
    np.nonzero,
    np.flatnonzero,
    np.shape,
    np.size,
    np.ndim,
    np.zeros,
    np.ones,
    np.empty,
    np.eye,
    np.identity,
    np.zeros_like,
    np.ones_like,
    np.empty_like,
    np.isnan,
    np.isinf,
    np.isfinite,
    np.isclose,
    np.allclose,
    np.array_equal,
    np.equal,
    np.not_equal,
    np.less,
    np.less_equal,
    np.greater,
    np.greater_equal,
    np.logical_and,
    np.logical_or,
    np.logical_not,
    np.logical_xor,
    np.any,
    np.all,
    np.floor_divide,
    np.count_nonzero,
    np.searchsorted,
    np.random.rand,
    np.random.randn,
)
# np.random.normal(loc, scale) and np.random.uniform(low, high) depend smoothly on their parameters: without a
# rule, srcdiff refuses to differentiate through them (write loc + scale * np.random.standard_normal(size))
