"""Forward mode (tangents): how each rule's primal maps input tangents to the output tangent.

Most rules need no forward rule of their own. An elementwise function's tangent is its adjoint expression
with the cotangent replaced by the input's tangent (``g * np.cos(x)`` gives ``dx * np.cos(x)``). A function
that is linear in some arguments (``np.sum``, ``@``, ``reshape``...) maps their tangents as it maps values.
A function that adds its arguments (``sum``) maps their tangents together. This module declares which kind each
primal is, the runtime's helpers among them (forward mode meets them in generated gradient code, for Hessians).

The rest have a forward rule, ``jvp(tangents, ans, *args)`` returning the output's tangent: numpy's and Python's
functions in ``forward_numpy``, the runtime's helpers that are not linear in their operands (and the rules
generated code calls) in ``forward_cotangents``.
"""

import ast
import builtins
import math

import numpy as np

from .. import runtime
from . import builtins_rules, numpy_construction
from .registry import _RULES, forward_kind, nondifferentiable

# ---- elementwise: tangents from the adjoint expressions ----------------------------------------------------

_ELEMENTWISE = [
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.Pow,
    ast.Mod,
    ast.USub,
    ast.UAdd,
    np.exp,
    np.exp2,
    np.expm1,
    np.log,
    np.log2,
    np.log10,
    np.log1p,
    np.sqrt,
    np.cbrt,
    np.square,
    np.reciprocal,
    np.power,
    np.logaddexp,
    np.logaddexp2,
    np.sin,
    np.cos,
    np.tan,
    np.arcsin,
    np.arccos,
    np.arctan,
    np.arctan2,
    np.hypot,
    np.sinh,
    np.cosh,
    np.tanh,
    np.arcsinh,
    np.arccosh,
    np.arctanh,
    np.add,
    np.subtract,
    np.multiply,
    np.divide,
    np.negative,
    np.abs,
    np.fabs,
    np.maximum,
    np.minimum,
    builtins.abs,
    np.heaviside,
]
_ELEMENTWISE += [
    primal
    for primal in list(_RULES)
    if getattr(primal, "__module__", None) == "math"
    or getattr(math, getattr(primal, "__name__", ""), None) is primal
]
for _primal in _ELEMENTWISE:
    if _RULES.get(_primal) is not None and _RULES[_primal].vjp is not None:
        forward_kind(_primal, "elementwise")

# ---- linear in some arguments: the primal applied to the tangents ------------------------------------------

for _primal, _positions in [
    (ast.MatMult, (0, 1)),
    (np.matmul, (0, 1)),
    (np.dot, (0, 1)),
    (np.inner, (0, 1)),
    (np.outer, (0, 1)),
    (np.sum, (0,)),
    (np.mean, (0,)),
    (np.cumsum, (0,)),
    (np.transpose, (0,)),
    (np.trace, (0,)),
    (np.reshape, (0,)),
    (np.ravel, (0,)),
    (np.squeeze, (0,)),
    (np.expand_dims, (0,)),
    (np.atleast_1d, (0,)),
    (np.atleast_2d, (0,)),
    (np.broadcast_to, (0,)),
    (np.concatenate, (0,)),
    (np.stack, (0,)),
    (np.hstack, (0,)),
    (np.vstack, (0,)),
    (np.copy, (0,)),
    (np.asarray, (0,)),
    (np.array, (0,)),
    (builtins.float, (0,)),
    (np.diag, (0,)),
    (np.flip, (0,)),
    (np.roll, (0,)),
    (np.tril, (0,)),
    (np.triu, (0,)),
    (np.swapaxes, (0,)),
    (np.moveaxis, (0,)),
    (np.float64, (0,)),
    (np.full, (1,)),
]:
    forward_kind(_primal, "linear", *_positions)

# additive: linear in all these arguments together (a sum), the tangent is the function of their tangents
forward_kind(builtins.sum, "additive", 0, 1)

# einsum(subscripts, *operands) is linear in each operand: its rule is in forward_numpy

# ---- the runtime's helpers, met when forward mode differentiates generated gradient code (Hessians) ---------
# Each is linear in the cotangent it maps (and some in an operand too); the rest carry no tangent.

for _helper, _positions in [
    (runtime.unbroadcast, (0,)),
    (runtime.unbroadcast_product, (0, 1)),
    (runtime.reduced_cotangent, (0,)),
    (runtime.index_add, (0,)),
    (runtime.sum_cotangent, (0,)),
    (runtime.matmul_left, (0, 2)),
    (runtime.matmul_right, (0, 1)),
    (runtime.dot_left, (0, 2)),
    (runtime.dot_right, (0, 1)),
    (runtime.inner_left, (0, 2)),
    (runtime.inner_right, (0, 1)),
    (runtime.zero_at, (0,)),
    (runtime.written_cotangent, (0,)),
    (runtime.tangent_like, (0,)),
    (runtime.cumsum_cotangent, (0,)),
    (runtime.concatenate_cotangent, (0,)),
    (runtime.stack_cotangent, (0,)),
    (runtime.hstack_cotangent, (0,)),
    (runtime.vstack_cotangent, (0,)),
    (runtime.transpose_cotangent, (0,)),
    (runtime.squeeze_cotangent, (0,)),
    (runtime.extremum_cotangent, (0,)),
    (runtime.where_cotangent, (0,)),
    (runtime.clip_cotangent, (0,)),
    (runtime.var_cotangent, (0, 1)),
    (runtime.cast_cotangent, (0,)),
    (runtime.as_tuple, (0,)),
    (runtime.choice_cotangents, (0,)),
    (runtime.diag_cotangent, (0,)),
    (runtime.clip_bound_cotangent, (0,)),
    (runtime.unique_cotangent, (0,)),
    (runtime.linspace_cotangents, (0,)),
    (runtime.arange_cotangents, (0,)),
    (runtime.trace_cotangent, (0,)),
    (runtime.sequence_sum_cotangent, (0,)),
    # rules the generated code calls (rather than pasting their expressions), linear in the cotangent
    (numpy_construction.linspace, (0,)),
    (numpy_construction.arange, (0,)),
    (builtins_rules.maximum, (0,)),
    (builtins_rules.get, (0,)),
    (runtime.r_cotangents, (0,)),
    (runtime.c_cotangents, (0,)),
    (numpy_construction.r_, (0,)),
    (numpy_construction.c_, (0,)),
    (builtins_rules.minimum, (0,)),
]:
    forward_kind(_helper, "linear", *_positions)
forward_kind(runtime.add, "additive", 0, 1)
forward_kind(runtime.iterable, "linear", 0)
forward_kind(runtime.get, "additive", 0, 2)  # the key's tangent, or the default's
forward_kind(runtime.iterable_cotangent, "linear", 0)
for _view in (
    runtime.items,
    runtime.values,
    runtime.items_cotangent,
    runtime.values_cotangent,
    runtime.copy_item,
    runtime.saved_item,
    runtime.reversed_sequence,
    runtime.reversed_cotangent,
    runtime.sequence_cotangent,
    runtime.get_cotangents,
    builtins.list,
    builtins.tuple,
):
    forward_kind(_view, "linear", 0)
forward_kind(runtime.with_item, "additive", 0, 2)
forward_kind(runtime.add_at, "additive", 0, 2)
nondifferentiable(
    runtime.seed,
    runtime.zeros_like,
    runtime.reduced_size,
    runtime.stand_in,
    runtime.check_aux,
    runtime.check_unshared,
    builtins.type,
    runtime.linspace_fractions,
)
