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
from ..runtime import extremum_cotangent, prod_cotangent, reduced_cotangent, var_cotangent
from .registry import _RULES, defjvp, forward_kind, nondifferentiable

# ---- elementwise: tangents from the adjoint expressions ----------------------------------------------------

_ELEMENTWISE = [
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.Mod, ast.USub, ast.UAdd,
    np.exp, np.exp2, np.expm1, np.log, np.log2, np.log10, np.log1p, np.sqrt, np.cbrt, np.square,
    np.reciprocal, np.power, np.logaddexp, np.logaddexp2, np.sin, np.cos, np.tan, np.arcsin, np.arccos,
    np.arctan, np.arctan2, np.hypot, np.sinh, np.cosh, np.tanh, np.arcsinh, np.arccosh, np.arctanh, np.add,
    np.subtract, np.multiply, np.divide, np.negative, np.abs, np.fabs, np.maximum, np.minimum,
    builtins.abs,
]
_ELEMENTWISE += [primal for primal in list(_RULES) if getattr(primal, "__module__", None) == "math"
                 or getattr(math, getattr(primal, "__name__", ""), None) is primal]
for _primal in _ELEMENTWISE:
    if _RULES.get(_primal) is not None and _RULES[_primal].vjp is not None:
        forward_kind(_primal, "elementwise")

# ---- linear in some arguments: the primal applied to the tangents ------------------------------------------

for _primal, _positions in [
    (ast.MatMult, (0, 1)), (np.matmul, (0, 1)), (np.dot, (0, 1)), (np.inner, (0, 1)), (np.outer, (0, 1)),
    (np.sum, (0,)), (np.mean, (0,)), (np.cumsum, (0,)), (np.transpose, (0,)), (np.trace, (0,)),
    (np.reshape, (0,)), (np.ravel, (0,)), (np.squeeze, (0,)), (np.expand_dims, (0,)), (np.atleast_1d, (0,)),
    (np.atleast_2d, (0,)), (np.broadcast_to, (0,)), (np.concatenate, (0,)), (np.stack, (0,)),
    (np.hstack, (0,)), (np.vstack, (0,)), (np.copy, (0,)), (np.asarray, (0,)), (np.array, (0,)),
    (builtins.float, (0,)), (np.diag, (0,)), (np.flip, (0,)), (np.roll, (0,)), (np.tril, (0,)),
    (np.triu, (0,)), (np.swapaxes, (0,)), (np.moveaxis, (0,)), (np.float64, (0,)),
]:
    forward_kind(_primal, "linear", *_positions)

# additive: linear in all these arguments together (a sum), the tangent is the function of their tangents
forward_kind(builtins.sum, "additive", 0, 1)

# einsum(subscripts, *operands) is linear in each operand: its rule below

# ---- the runtime's helpers, met when forward mode differentiates generated gradient code (Hessians) ---------
# Each is linear in the cotangent it maps (and some in an operand too); the rest carry no tangent.

for _helper, _positions in [
    (runtime.unbroadcast, (0,)), (runtime.unbroadcast_product, (0, 1)), (runtime.reduced_cotangent, (0,)),
    (runtime.index_add, (0,)),
    (runtime.matmul_left, (0, 2)), (runtime.matmul_right, (0, 1)), (runtime.dot_left, (0, 2)),
    (runtime.dot_right, (0, 1)), (runtime.inner_left, (0, 2)), (runtime.inner_right, (0, 1)),
    (runtime.zero_at, (0,)),
    (runtime.cumsum_cotangent, (0,)), (runtime.concatenate_cotangent, (0,)), (runtime.stack_cotangent, (0,)),
    (runtime.hstack_cotangent, (0,)), (runtime.vstack_cotangent, (0,)), (runtime.transpose_cotangent, (0,)),
    (runtime.squeeze_cotangent, (0,)), (runtime.extremum_cotangent, (0,)), (runtime.where_cotangent, (0,)),
    (runtime.clip_cotangent, (0,)), (runtime.var_cotangent, (0, 1)), (runtime.cast_cotangent, (0,)),
    (runtime.as_tuple, (0,)), (runtime.choice_cotangents, (0,)), (runtime.diag_cotangent, (0,)),
]:
    forward_kind(_helper, "linear", *_positions)
forward_kind(runtime.add, "additive", 0, 1)
forward_kind(runtime.with_item, "additive", 0, 2)
forward_kind(runtime.add_at, "additive", 0, 2)
nondifferentiable(runtime.seed, runtime.zeros_like, runtime.reduced_size, runtime.check_aux, builtins.type)


# ---- forward rules ---------------------------------------------------------------------------------------


def _zero(x):
    return np.zeros(np.shape(x))


@defjvp(np.einsum)
def einsum_jvp(tangents, ans, subscripts, *operands):
    total = 0.0
    for i, tangent in enumerate(tangents[1:]):
        if tangent is not None:
            total = total + np.einsum(subscripts, *operands[:i], tangent, *operands[i + 1:])
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
    weights = var_cotangent(0.5 / ans, a, axis, ddof, keepdims)
    return _reduction_jvp(weights, tangents[0], axis, keepdims)


@defjvp(np.linalg.norm)
def norm_jvp(tangents, ans, x, ord=None, axis=None, keepdims=False):
    if ord not in (None, 2, "fro"):
        raise NotImplementedError(f"the tangent of np.linalg.norm with ord={ord!r} is not implemented")
    safe = np.where(reduced_cotangent(ans, x, axis, keepdims) == 0, 1.0, reduced_cotangent(ans, x, axis, keepdims))
    return _reduction_jvp(x / safe, tangents[0], axis, keepdims)


@defjvp(np.linalg.inv)
def inv_jvp(tangents, ans, a):
    return -ans @ tangents[0] @ ans


@defjvp(np.linalg.det)
def det_jvp(tangents, ans, a):
    return ans * np.trace(np.linalg.solve(a, tangents[0]), axis1=-2, axis2=-1)


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
