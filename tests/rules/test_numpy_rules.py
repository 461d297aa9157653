"""The adjoints of numpy's functions (``srcdiff/rules/numpy_rules.py``), against finite differences.

Each function under test is a ``def`` at module level, since srcdiff reads its source. Non-scalar
results are reduced with ``np.sum(out * weights(out))``: distinct weights, so a gradient that mixes
up elements fails.
"""

import inspect
import sys

import numpy as np
import pytest

import srcdiff
from srcdiff import compiler
from srcdiff.rules import lookup

from .helpers import (
    PAIR_IDS,
    PAIRS,
    SHAPE_IDS,
    SHAPES,
    assert_gradient,
    name_of,
    sample,
    weights,
    well_conditioned,
)

# ---- elementwise functions of one argument -------------------------------------------------------


def f_exp(x):
    return np.sum(np.exp(x) * weights(x))


def f_exp2(x):
    return np.sum(np.exp2(x) * weights(x))


def f_expm1(x):
    return np.sum(np.expm1(x) * weights(x))


def f_log(x):
    return np.sum(np.log(x) * weights(x))


def f_log2(x):
    return np.sum(np.log2(x) * weights(x))


def f_log10(x):
    return np.sum(np.log10(x) * weights(x))


def f_log1p(x):
    return np.sum(np.log1p(x) * weights(x))


def f_sqrt(x):
    return np.sum(np.sqrt(x) * weights(x))


def f_cbrt(x):
    return np.sum(np.cbrt(x) * weights(x))


def f_square(x):
    return np.sum(np.square(x) * weights(x))


def f_reciprocal(x):
    return np.sum(np.reciprocal(x) * weights(x))


def f_sin(x):
    return np.sum(np.sin(x) * weights(x))


def f_cos(x):
    return np.sum(np.cos(x) * weights(x))


def f_tan(x):
    return np.sum(np.tan(x) * weights(x))


def f_arcsin(x):
    return np.sum(np.arcsin(x) * weights(x))


def f_arccos(x):
    return np.sum(np.arccos(x) * weights(x))


def f_arctan(x):
    return np.sum(np.arctan(x) * weights(x))


def f_sinh(x):
    return np.sum(np.sinh(x) * weights(x))


def f_cosh(x):
    return np.sum(np.cosh(x) * weights(x))


def f_tanh(x):
    return np.sum(np.tanh(x) * weights(x))


def f_arcsinh(x):
    return np.sum(np.arcsinh(x) * weights(x))


def f_arccosh(x):
    return np.sum(np.arccosh(x) * weights(x))


def f_arctanh(x):
    return np.sum(np.arctanh(x) * weights(x))


def f_negative(x):
    return np.sum(np.negative(x) * weights(x))


def f_abs(x):
    return np.sum(np.abs(x) * weights(x))


def f_absolute(x):
    return np.sum(np.absolute(x) * weights(x))


def f_fabs(x):
    return np.sum(np.fabs(x) * weights(x))


def f_asarray(x):
    return np.sum(np.sin(np.asarray(x)) * weights(x))


def f_asarray_dtype(x):
    return np.sum(np.sin(np.asarray(x, dtype=float)) * weights(x))


def f_array(x):
    return np.sum(np.sin(np.array(x)) * weights(x))


def f_copy(x):
    return np.sum(np.sin(np.copy(x)) * weights(x))


POSITIVE = (0.5, 2.0)
ANY = (-1.0, 1.0)
INSIDE_UNIT = (-0.9, 0.9)

ELEMENTWISE = [
    (f_exp, ANY),
    (f_exp2, ANY),
    (f_expm1, ANY),
    (f_log, POSITIVE),
    (f_log2, POSITIVE),
    (f_log10, POSITIVE),
    (f_log1p, (-0.5, 1.0)),
    (f_sqrt, POSITIVE),
    (f_cbrt, ANY),
    (f_square, ANY),
    (f_reciprocal, POSITIVE),
    (f_sin, (-3.0, 3.0)),
    (f_cos, (-3.0, 3.0)),
    (f_tan, (-1.2, 1.2)),
    (f_arcsin, INSIDE_UNIT),
    (f_arccos, INSIDE_UNIT),
    (f_arctan, (-3.0, 3.0)),
    (f_sinh, ANY),
    (f_cosh, ANY),
    (f_tanh, (-2.0, 2.0)),
    (f_arcsinh, (-3.0, 3.0)),
    (f_arccosh, (1.2, 3.0)),
    (f_arctanh, INSIDE_UNIT),
    (f_negative, ANY),
    (f_abs, ANY),
    (f_absolute, ANY),
    (f_fabs, ANY),
    (f_asarray, ANY),
    (f_asarray_dtype, ANY),
    (f_array, ANY),
    (f_copy, ANY),
]


@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("fun, domain", ELEMENTWISE, ids=name_of)
def test_elementwise(fun, domain, shape):
    assert_gradient(fun, sample(shape, *domain))


def f_cast_to_integers(x):
    return np.sum(x * x.astype(int) * weights(x)) + np.sum(np.asarray(x, dtype=np.int64) * x)


def test_a_cast_to_integers_has_no_gradient():
    assert_gradient(f_cast_to_integers, np.array([-1.6, -0.3, 0.7, 1.2, 2.6]))


def test_cbrt_of_negative_values():
    assert_gradient(f_cbrt, np.array([-2.0, -0.3, 0.4, 1.5]))


# ---- elementwise functions of two arguments, over broadcasting shapes ----------------------------


def f_add(x, y):
    out = np.add(x, y)
    return np.sum(out * weights(out))


def f_subtract(x, y):
    out = np.subtract(x, y)
    return np.sum(out * weights(out))


def f_multiply(x, y):
    out = np.multiply(x, y)
    return np.sum(out * weights(out))


def f_divide(x, y):
    out = np.divide(x, y)
    return np.sum(out * weights(out))


def f_power(x, y):
    out = np.power(x, y)
    return np.sum(out * weights(out))


def f_logaddexp(x, y):
    out = np.logaddexp(x, y)
    return np.sum(out * weights(out))


def f_logaddexp2(x, y):
    out = np.logaddexp2(x, y)
    return np.sum(out * weights(out))


def f_arctan2(x, y):
    out = np.arctan2(x, y)
    return np.sum(out * weights(out))


def f_hypot(x, y):
    out = np.hypot(x, y)
    return np.sum(out * weights(out))


def f_maximum(x, y):
    out = np.maximum(x, y)
    return np.sum(out * weights(out))


def f_minimum(x, y):
    out = np.minimum(x, y)
    return np.sum(out * weights(out))


# (function, domain of x, domain of y); maximum and minimum get interleaved values, without ties
BINARY = [
    (f_add, ANY, ANY),
    (f_subtract, ANY, ANY),
    (f_multiply, ANY, ANY),
    (f_divide, ANY, POSITIVE),
    (f_power, POSITIVE, (-1.5, 2.5)),
    (f_logaddexp, (-2.0, 2.0), (-2.0, 2.0)),
    (f_logaddexp2, (-2.0, 2.0), (-2.0, 2.0)),
    (f_arctan2, (-2.0, 2.0), (0.5, 2.0)),
    (f_arctan2, (0.5, 2.0), (-2.0, 2.0)),
    (f_hypot, (-2.0, 2.0), (0.5, 2.0)),
    (f_maximum, (-1.0, 1.0), (-0.93, 0.97)),
    (f_minimum, (-1.0, 1.0), (-0.93, 0.97)),
]


@pytest.mark.parametrize("shapes", PAIRS, ids=PAIR_IDS)
@pytest.mark.parametrize("fun, x_domain, y_domain", BINARY, ids=name_of)
def test_elementwise_binary(fun, x_domain, y_domain, shapes):
    x = sample(shapes[0], *x_domain, seed=11)
    y = sample(shapes[1], *y_domain, seed=12)
    assert_gradient(fun, x, y, wrt=(0, 1))
    assert_gradient(fun, x, y, wrt=1, nonzero=False)


def f_maximum_constant(x):
    return np.sum(np.maximum(x, 0.1) * weights(x))


def f_minimum_constant(x):
    return np.sum(np.minimum(0.1, x) * weights(x))


def f_power_constant_exponent(x):
    return np.sum(np.power(x, 3) * weights(x))


@pytest.mark.parametrize("shape", SHAPES[1:], ids=SHAPE_IDS[1:])
@pytest.mark.parametrize(
    "fun", [f_maximum_constant, f_minimum_constant, f_power_constant_exponent], ids=name_of
)
def test_binary_with_a_constant(fun, shape):
    assert_gradient(fun, sample(shape, -1.0, 1.0, seed=13))


@pytest.mark.parametrize("fun", [f_maximum_constant, f_minimum_constant], ids=name_of)
def test_binary_with_a_constant_on_scalars(fun):
    below = srcdiff.grad(fun)(-0.4)
    above = srcdiff.grad(fun)(0.6)
    assert {float(below), float(above)} == {0.0, weights(0.5)}
    assert_gradient(fun, -0.4, nonzero=False)
    assert_gradient(fun, 0.6, nonzero=False)


def test_maximum_and_minimum_pick_one_side():
    x = np.array([-0.5, 0.2, 0.9, -0.1])
    y = np.array([0.1, -0.3, 1.2, -0.8])
    gx, gy = assert_gradient(f_maximum, x, y, wrt=(0, 1))
    w = weights(x)
    np.testing.assert_allclose(gx, np.where(x > y, w, 0.0))
    np.testing.assert_allclose(gy, np.where(y > x, w, 0.0))


# ---- np.where and np.clip ------------------------------------------------------------------------


def f_where(x, y):
    out = np.where(x > 0.0, x, y)
    return np.sum(np.sin(out) * weights(out))


def f_where_constant_branch(x):
    out = np.where(x > 0.0, x**2, 0.5)
    return np.sum(out * weights(out))


def f_where_mask_of_other(x, y):
    out = np.where(y > x, np.exp(x), np.cos(y))
    return np.sum(out * weights(out))


@pytest.mark.parametrize("shapes", PAIRS, ids=PAIR_IDS)
def test_where(shapes):
    x = sample(shapes[0], seed=14)
    y = sample(shapes[1], seed=15)
    assert_gradient(f_where, x, y, wrt=(0, 1), nonzero=False)
    assert_gradient(f_where_mask_of_other, x, y, wrt=(0, 1))


def test_where_splits_the_cotangent():
    x = np.array([-0.5, 0.3, 0.8, -0.2])
    y = np.array([0.4, 0.6, -0.7, 0.9])
    gx, gy = assert_gradient(f_where, x, y, wrt=(0, 1))
    assert np.all((gx == 0) == (x <= 0)) and np.all((gy == 0) == (x > 0))
    assert_gradient(f_where_constant_branch, x)


def f_clip(x):
    out = np.clip(x, -0.5, 0.5)
    return np.sum(np.sin(out) * weights(out))


def f_clip_keywords(x):
    out = np.clip(x, a_min=-0.5, a_max=0.5)
    return np.sum(np.sin(out) * weights(out))


def f_clip_below_only(x):
    out = np.clip(x, -0.5, None)
    return np.sum(np.sin(out) * weights(out))


def f_clip_above_only(x):
    out = np.clip(x, None, 0.5)
    return np.sum(np.sin(out) * weights(out))


def f_clip_method(x):
    out = x.clip(-0.5, 0.5)
    return np.sum(np.sin(out) * weights(out))


@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize(
    "fun", [f_clip, f_clip_keywords, f_clip_below_only, f_clip_above_only], ids=name_of
)
def test_clip(fun, shape):
    # values on both sides of the bounds, none on them
    x = sample(shape, -0.97, 0.95, seed=16)
    assert_gradient(fun, x, nonzero=False)
    (gradient,) = assert_gradient(fun, np.array([-0.9, -0.45, 0.1, 0.45, 0.9]))
    assert np.count_nonzero(gradient) in (3, 4)


def test_clip_method():
    assert_gradient(f_clip_method, np.array([[-0.9, -0.45, 0.1], [0.45, 0.9, 0.6]]))


def f_clip_min_max(x):
    out = np.clip(x, min=-0.5, max=0.5)
    return np.sum(np.sin(out) * weights(out))


@pytest.mark.skipif(
    np.lib.NumpyVersion(np.__version__) < "2.1.0",
    reason="np.clip takes min= and max= from numpy 2.1",
)
def test_clip_with_min_and_max_keywords():
    (gradient,) = assert_gradient(f_clip_min_max, np.array([-0.9, -0.45, 0.1, 0.45, 0.9]))
    assert gradient[0] == 0.0 and gradient[-1] == 0.0


def f_clip_bounds(x, low, high):
    out = np.clip(x, low, high)
    return np.sum(out * weights(out))


def test_clip_with_differentiable_bounds():
    x = np.array([[-0.9, -0.2, 0.3], [0.8, 0.05, -0.6]])
    low = np.array([-0.5, -0.4, -0.3])
    high = 0.45
    assert_gradient(f_clip_bounds, x, low, high, wrt=(0, 1, 2))


def f_clip_keyword_bound(x, low):
    out = np.clip(x, a_min=low, a_max=0.5)
    return np.sum(out * weights(out))


def test_clip_with_a_differentiable_bound_passed_by_keyword():
    x = np.array([-0.9, -0.2, 0.3, 0.8])
    assert_gradient(f_clip_keyword_bound, x, np.array([-0.5, -0.4, -0.3, -0.2]), wrt=(0, 1))


# ---- reductions ----------------------------------------------------------------------------------


def f_sum(x):
    return np.sin(np.sum(x * weights(x)))


def f_sum_axis0(x):
    out = np.sum(x, axis=0)
    return np.sum(out * weights(out))


def f_sum_axis_last(x):
    out = np.sum(x, axis=-1)
    return np.sum(out * weights(out))


def f_sum_keepdims(x):
    out = np.sum(x, axis=1, keepdims=True)
    return np.sum(np.sin(out * x) * weights(x))


def f_sum_axes(x):
    out = np.sum(x, axis=(0, 2))
    return np.sum(out * weights(out))


def f_mean(x):
    return np.sin(np.mean(x * weights(x)))


def f_mean_axis0(x):
    out = np.mean(x, axis=0)
    return np.sum(out * weights(out))


def f_mean_keepdims(x):
    out = np.mean(x, axis=-1, keepdims=True)
    return np.sum(np.sin(out * x) * weights(x))


def f_mean_axes(x):
    out = np.mean(x, axis=(0, 2))
    return np.sum(out * weights(out))


def f_prod(x):
    return np.prod(x * weights(x))


def f_prod_axis1(x):
    out = np.prod(x, axis=1)
    return np.sum(out * weights(out))


def f_prod_keepdims(x):
    out = np.prod(x, axis=0, keepdims=True)
    return np.sum(out * x * weights(x))


def f_max(x):
    return np.max(x * weights(x))


def f_max_axis0(x):
    out = np.max(x, axis=0)
    return np.sum(out * weights(out))


def f_max_keepdims(x):
    out = np.max(x, axis=1, keepdims=True)
    return np.sum(out * x * weights(x))


def f_min(x):
    return np.min(x * weights(x))


def f_min_axis1(x):
    out = np.min(x, axis=1)
    return np.sum(out * weights(out))


def f_min_keepdims(x):
    out = np.min(x, axis=0, keepdims=True)
    return np.sum(out * x * weights(x))


def f_amax(x):
    out = np.amax(x, axis=0)
    return np.sum(out * weights(out))


def f_amin(x):
    return np.amin(x * weights(x))


def f_var(x):
    return np.var(x * weights(x))


def f_var_ddof(x):
    return np.var(x * weights(x), ddof=1)


def f_var_axis0(x):
    out = np.var(x, axis=0)
    return np.sum(out * weights(out))


def f_var_axis1_ddof_keepdims(x):
    out = np.var(x, axis=1, ddof=1, keepdims=True)
    return np.sum(out * x * weights(x))


def f_std(x):
    return np.std(x * weights(x))


def f_std_ddof(x):
    return np.std(x * weights(x), ddof=1)


def f_std_axis1(x):
    out = np.std(x, axis=1)
    return np.sum(out * weights(out))


def f_std_axis0_ddof_keepdims(x):
    out = np.std(x, axis=0, ddof=1, keepdims=True)
    return np.sum(out * x * weights(x))


def f_cumsum(x):
    out = np.cumsum(x)
    return np.sum(np.sin(out) * weights(out))


def f_cumsum_axis0(x):
    out = np.cumsum(x, axis=0)
    return np.sum(np.sin(out) * weights(out))


def f_cumsum_axis_last(x):
    out = np.cumsum(x, axis=-1)
    return np.sum(np.sin(out) * weights(out))


# whole-array reductions, on a scalar, a vector and a matrix
FULL_REDUCTIONS = [
    (f_sum, ANY),
    (f_mean, ANY),
    (f_prod, POSITIVE),
    (f_max, ANY),
    (f_min, ANY),
    (f_amin, ANY),
    (f_cumsum, ANY),
]


@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("fun, domain", FULL_REDUCTIONS, ids=name_of)
def test_full_reduction(fun, domain, shape):
    assert_gradient(fun, sample(shape, *domain, seed=17))


@pytest.mark.parametrize("shape", [(4,), (2, 3)], ids=["vector", "matrix"])
@pytest.mark.parametrize("fun", [f_var, f_var_ddof, f_std, f_std_ddof], ids=name_of)
def test_full_variance(fun, shape):
    assert_gradient(fun, sample(shape, seed=18))


def test_variance_of_a_scalar_is_zero():
    # one value has no spread: the gradient is zero, and finite differences agree
    assert_gradient(f_var, 0.7, nonzero=False)


AXIS_REDUCTIONS = [
    (f_sum_axis0, (2, 3)),
    (f_sum_axis0, (4,)),
    (f_sum_axis_last, (2, 3)),
    (f_sum_keepdims, (2, 3)),
    (f_sum_axes, (2, 3, 4)),
    (f_mean_axis0, (2, 3)),
    (f_mean_axis0, (3, 2, 2)),
    (f_mean_keepdims, (2, 3)),
    (f_mean_axes, (2, 3, 4)),
    (f_prod_axis1, (2, 3)),
    (f_prod_keepdims, (3, 2)),
    (f_max_axis0, (2, 3)),
    (f_max_axis0, (3, 2, 2)),
    (f_max_keepdims, (2, 3)),
    (f_min_axis1, (2, 3)),
    (f_min_keepdims, (3, 2)),
    (f_amax, (2, 3)),
    (f_var_axis0, (3, 2)),
    (f_var_axis1_ddof_keepdims, (2, 3)),
    (f_std_axis1, (2, 3)),
    (f_std_axis0_ddof_keepdims, (3, 2)),
    (f_cumsum, (2, 3)),
    (f_cumsum_axis0, (3, 2)),
    (f_cumsum_axis_last, (2, 3)),
]


@pytest.mark.parametrize("fun, shape", AXIS_REDUCTIONS, ids=name_of)
def test_reduction_along_axes(fun, shape):
    domain = POSITIVE if "prod" in fun.__name__ else ANY
    assert_gradient(fun, sample(shape, *domain, seed=19))


def test_prod_with_zeros():
    # one zero: only its own derivative survives; two zeros in a row: all of that row's vanish
    assert_gradient(f_prod, np.array([[0.5, 0.0, 1.5], [1.1, 0.8, 2.0]]))
    x = np.array([[0.5, 0.0, 1.5], [0.0, 0.0, 2.0], [1.2, 0.7, 0.9]])
    assert_gradient(f_prod_axis1, x)
    assert_gradient(f_prod_keepdims, x)
    (gradient,) = assert_gradient(f_prod, np.array([0.5, 0.0, 1.5]))
    assert np.count_nonzero(gradient) == 1


def f_max_of_square(x):
    return np.max(x**2)


def test_max_shares_the_cotangent_between_ties():
    # |x| ties at +-0.8: the rule splits the cotangent equally (the mean of one-sided derivatives)
    x = np.array([0.8, -0.8, 0.3])
    gradient = srcdiff.grad(f_max_of_square)(x)
    np.testing.assert_allclose(gradient, [0.8, -0.8, 0.0])


def f_whole_keepdims(x):
    kept = np.mean(x, keepdims=True) + np.std(x, keepdims=True) + np.max(x, keepdims=True)
    kept = kept + np.prod(x + 1.5, keepdims=True) + np.linalg.norm(x, keepdims=True)
    return np.sum(np.sin(kept * x) * weights(x))


def test_whole_array_reductions_with_keepdims():
    assert_gradient(f_whole_keepdims, sample((2, 3), seed=47))


def f_sum_where(x):
    return np.sum(x * weights(x), where=x > 0.0)


def f_max_initial(x):
    return np.max(x * weights(x), initial=5.0) + np.sum(x)


@pytest.mark.parametrize("fun", [f_sum_where, f_max_initial], ids=name_of)
def test_reduction_keywords_the_rule_does_not_know(fun):
    # a keyword the rule does not handle would make the gradient silently wrong: it is refused instead
    with pytest.raises(srcdiff.NoRuleError, match="keyword argument") as info:
        srcdiff.grad(fun)(np.array([-0.9, -0.2, 0.3, 0.8]))
    assert info.value.filename == __file__
    assert info.value.lineno == fun.__code__.co_firstlineno + 1


def f_sum_positional_axis(x):
    out = np.sum(x, 1)
    return np.sum(out * weights(out))


def f_cumsum_positional_axis(x):
    out = np.cumsum(x, 0)
    return np.sum(np.sin(out) * weights(out))


def f_mean_axis_tuple_keepdims(x):
    out = np.mean(x, axis=(0, 1), keepdims=True)
    return np.sum(np.sin(out * x) * weights(x))


@pytest.mark.parametrize(
    "fun",
    [f_sum_positional_axis, f_cumsum_positional_axis, f_mean_axis_tuple_keepdims],
    ids=name_of,
)
def test_reduction_axis_passed_positionally_or_as_tuple(fun):
    assert_gradient(fun, sample((2, 3), seed=44))


# ---- the same value in two argument positions: the cotangents add up -----------------------------


def t_multiply_self(x):
    return np.sum(np.multiply(x, x) * weights(x))


def t_matmul_self(x):
    out = x @ x
    return np.sum(out * weights(out))


def t_dot_self(x):
    return np.dot(x, x * weights(x))


def t_einsum_self(x):
    return np.einsum("i,i->", x, x * weights(x))


def t_hypot_self(x):
    return np.sum(np.hypot(x, 2.0 * x) * weights(x))


def t_solve_self(x):
    out = np.linalg.solve(x, x[0])
    return np.sum(out * weights(out))


@pytest.mark.parametrize(
    "fun, x",
    [
        (t_multiply_self, sample((2, 3), seed=45)),
        (t_matmul_self, well_conditioned((3, 3), seed=45)),
        (t_dot_self, sample((4,), seed=45)),
        (t_einsum_self, sample((4,), seed=45)),
        (t_hypot_self, sample((2, 3), 0.5, 2.0, seed=45)),
        (t_solve_self, well_conditioned((3, 3), seed=46)),
    ],
    ids=name_of,
)
def test_same_value_in_two_arguments(fun, x):
    assert_gradient(fun, x)


# ---- array methods -------------------------------------------------------------------------------


def m_sum_axis0(x):
    out = x.sum(axis=0)
    return np.sum(out * weights(out))


def m_sum(x):
    return np.sin(x.sum())


def m_mean(x):
    return np.sin((x * weights(x)).mean())


def m_mean_axis1(x):
    out = x.mean(axis=1)
    return np.sum(out * weights(out))


def m_transpose_attribute(x):
    out = x.T
    return np.sum(np.sin(out) * weights(out))


def m_transpose(x):
    out = x.transpose()
    return np.sum(np.sin(out) * weights(out))


def m_transpose_axes(x):
    out = x.transpose(1, 0)
    return np.sum(np.sin(out) * weights(out))


def m_reshape_args(x):
    out = x.reshape(3, 2)
    return np.sum(np.sin(out) * weights(out))


def m_reshape_tuple(x):
    out = x.reshape((3, 2))
    return np.sum(np.sin(out) * weights(out))


def m_reshape_flat(x):
    out = x.reshape(-1)
    return np.sum(np.sin(out) * weights(out))


def m_ravel(x):
    out = x.ravel()
    return np.sum(np.sin(out) * weights(out))


def m_flatten(x):
    out = x.flatten()
    return np.sum(np.sin(out) * weights(out))


def m_max(x):
    return x.max() * np.sum(x * weights(x))


def m_min_axis1(x):
    out = x.min(axis=1)
    return np.sum(out * weights(out))


def m_prod(x):
    return (x + 1.5).prod()


def m_var(x):
    return (x * weights(x)).var()


def m_std_ddof(x):
    return (x * weights(x)).std(ddof=1)


def m_cumsum_axis1(x):
    out = x.cumsum(axis=1)
    return np.sum(np.sin(out) * weights(out))


def m_copy(x):
    out = x.copy()
    return np.sum(np.sin(out) * weights(out))


def m_astype(x):
    out = x.astype(np.float64)
    return np.sum(np.sin(out) * weights(out))


def m_squeeze(x):
    out = x[None].squeeze()
    return np.sum(np.sin(out) * weights(out))


ARRAY_METHODS = [
    m_sum_axis0,
    m_sum,
    m_mean,
    m_mean_axis1,
    m_transpose_attribute,
    m_transpose,
    m_transpose_axes,
    m_reshape_args,
    m_reshape_tuple,
    m_reshape_flat,
    m_ravel,
    m_flatten,
    m_max,
    m_min_axis1,
    m_prod,
    m_var,
    m_std_ddof,
    m_cumsum_axis1,
    m_copy,
    m_astype,
    m_squeeze,
]


@pytest.mark.parametrize("fun", ARRAY_METHODS, ids=name_of)
def test_array_method(fun):
    assert_gradient(fun, sample((2, 3), seed=20))


def m_dot(x, y):
    out = x.dot(y)
    return np.sum(out * weights(out))


@pytest.mark.parametrize("shapes", [((2, 3), (3, 4)), ((2, 3), (3,)), ((3,), (3,))], ids=str)
def test_dot_method(shapes):
    assert_gradient(m_dot, sample(shapes[0], seed=21), sample(shapes[1], seed=22), wrt=(0, 1))


def test_transpose_attribute_of_vector_and_3d():
    assert_gradient(m_transpose_attribute, sample((4,), seed=23))
    assert_gradient(m_transpose_attribute, sample((2, 3, 4), seed=23))


# ---- np.linalg.norm ------------------------------------------------------------------------------


def f_norm(x):
    return np.linalg.norm(x * weights(x))


def f_norm_ord2(x):
    return np.linalg.norm(x * weights(x), 2)


def f_norm_fro(x):
    return np.linalg.norm(x * weights(x), "fro")


def f_norm_axis0(x):
    out = np.linalg.norm(x, axis=0)
    return np.sum(out * weights(out))


def f_norm_axis1_keepdims(x):
    out = np.linalg.norm(x, axis=1, keepdims=True)
    return np.sum(out * x * weights(x))


def f_norm_ord2_axis1(x):
    out = np.linalg.norm(x, ord=2, axis=1)
    return np.sum(out * weights(out))


def f_norm_matrices(x):
    out = np.linalg.norm(x, axis=(1, 2))
    return np.sum(out * weights(out))


NORMS = [
    (f_norm, (4,)),
    (f_norm, (2, 3)),
    (f_norm, (2, 3, 2)),
    (f_norm_ord2, (4,)),
    (f_norm_fro, (2, 3)),
    (f_norm_axis0, (2, 3)),
    (f_norm_axis1_keepdims, (3, 2)),
    (f_norm_ord2_axis1, (2, 3)),
    (f_norm_matrices, (3, 2, 2)),
]


@pytest.mark.parametrize("fun, shape", NORMS, ids=name_of)
def test_norm(fun, shape):
    assert_gradient(fun, sample(shape, seed=24))


def f_norm_ord1(x):
    return np.linalg.norm(x, 1)


def f_norm_spectral(x):
    return np.linalg.norm(x, 2)


@pytest.mark.parametrize(
    "fun, shape", [(f_norm_ord1, (4,)), (f_norm_spectral, (2, 3))], ids=["ord=1", "spectral"]
)
def test_norm_of_other_orders(fun, shape):
    assert_gradient(fun, sample(shape, seed=25))


# ---- linear algebra ------------------------------------------------------------------------------


def f_np_matmul(x, y):
    out = np.matmul(x, y)
    return np.sum(out * weights(out))


def f_dot(x, y):
    out = np.dot(x, y)
    return np.sum(out * weights(out))


def f_inner(x, y):
    out = np.inner(x, y)
    return np.sum(out * weights(out))


def f_outer(x, y):
    out = np.outer(x, y)
    return np.sum(out * weights(out))


PRODUCTS = [
    (f_np_matmul, (2, 3), (3, 4)),
    (f_np_matmul, (3,), (3, 2)),
    (f_np_matmul, (2, 3), (3,)),
    (f_np_matmul, (3,), (3,)),
    (f_np_matmul, (4, 2, 3), (3, 2)),
    (f_np_matmul, (3,), (4, 3, 2)),
    (f_dot, (), (2, 3)),
    (f_dot, (2, 3), ()),
    (f_dot, (), ()),
    (f_dot, (3,), (3,)),
    (f_dot, (2, 3), (3,)),
    (f_dot, (3,), (3, 2)),
    (f_dot, (2, 3), (3, 4)),
    (f_dot, (2, 2, 3), (3, 4)),
    (f_inner, (3,), (3,)),
    (f_inner, (2, 3), (3,)),
    (f_inner, (3,), (4, 3)),
    (f_inner, (2, 3), (4, 3)),
    (f_inner, (), (2, 3)),
    (f_outer, (3,), (4,)),
    (f_outer, (2, 2), (3,)),
    (f_outer, (), (3,)),
]


@pytest.mark.parametrize("fun, x_shape, y_shape", PRODUCTS, ids=name_of)
def test_products(fun, x_shape, y_shape):
    x = sample(x_shape, seed=26)
    y = sample(y_shape, seed=27)
    assert_gradient(fun, x, y, wrt=(0, 1))


def f_transpose(x):
    out = np.transpose(x)
    return np.sum(np.sin(out) * weights(out))


def f_transpose_axes(x):
    out = np.transpose(x, (1, 2, 0))
    return np.sum(np.sin(out) * weights(out))


def f_transpose_keyword(x):
    out = np.transpose(x, axes=(2, 0, 1))
    return np.sum(np.sin(out) * weights(out))


def f_trace(x):
    return np.trace(x * weights(x)) ** 2


@pytest.mark.parametrize(
    "fun, shape",
    [
        (f_transpose, (4,)),
        (f_transpose, (2, 3)),
        (f_transpose, (2, 3, 4)),
        (f_transpose_axes, (2, 3, 4)),
        (f_transpose_keyword, (2, 3, 4)),
        (f_trace, (3, 3)),
        (f_trace, (2, 3)),
        (f_trace, (3, 2)),
    ],
    ids=name_of,
)
def test_transpose_and_trace(fun, shape):
    assert_gradient(fun, sample(shape, seed=28))


def f_einsum_matmul(x, y):
    out = np.einsum("ij,jk->ik", x, y)
    return np.sum(out * weights(out))


def f_einsum_implicit(x, y):
    out = np.einsum("ij,jk", x, y)
    return np.sum(out * weights(out))


def f_einsum_contract_all(x, y):
    return np.einsum("ij,ij->", x, y)


def f_einsum_transposed_contraction(x, y):
    out = np.einsum("ij,kj->ki", x, y)
    return np.sum(out * weights(out))


def f_einsum_summed_out(x, y):
    # j is summed inside x alone, l inside y alone
    out = np.einsum("ij,kl->ik", x, y)
    return np.sum(out * weights(out))


def f_einsum_row_sums(x, y):
    out = np.einsum("ij->i", x) * np.einsum("j->", y)
    return np.sum(out * weights(out))


def f_einsum_batched(x, y):
    out = np.einsum("bij,bjk->bik", x, y)
    return np.sum(out * weights(out))


def f_einsum_outer(x, y):
    out = np.einsum("i,j->ij", x, y)
    return np.sum(out * weights(out))


def f_einsum_spaces(x, y):
    out = np.einsum("ij, j -> i", x, y)
    return np.sum(out * weights(out))


EINSUMS = [
    (f_einsum_matmul, (2, 3), (3, 4)),
    (f_einsum_implicit, (2, 3), (3, 4)),
    (f_einsum_contract_all, (2, 3), (2, 3)),
    (f_einsum_transposed_contraction, (2, 3), (4, 3)),
    (f_einsum_summed_out, (2, 3), (4, 2)),
    (f_einsum_row_sums, (2, 3), (4,)),
    (f_einsum_batched, (2, 2, 3), (2, 3, 4)),
    (f_einsum_outer, (3,), (4,)),
    (f_einsum_spaces, (2, 3), (3,)),
]


@pytest.mark.parametrize("fun, x_shape, y_shape", EINSUMS, ids=name_of)
def test_einsum(fun, x_shape, y_shape):
    assert_gradient(fun, sample(x_shape, seed=29), sample(y_shape, seed=30), wrt=(0, 1))


def f_einsum_trace(x):
    return np.einsum("ii->", x)


def test_einsum_with_a_repeated_index():
    assert_gradient(f_einsum_trace, well_conditioned((3, 3)))


def f_einsum_three(x, y, z):
    out = np.einsum("ij,jk,k->i", x, y, z)
    return np.sum(out * weights(out))


def test_einsum_of_three_operands():
    args = (sample((2, 3), seed=31), sample((3, 4), seed=32), sample((4,), seed=33))
    assert_gradient(f_einsum_three, *args, wrt=(0, 1, 2))


def f_einsum_with_constant(x):
    out = np.einsum("ij,jk->ik", x, CONSTANT_MATRIX)
    return np.sum(out * weights(out))


CONSTANT_MATRIX = np.arange(12.0).reshape(3, 4) / 7


def test_einsum_with_a_constant_operand():
    assert_gradient(f_einsum_with_constant, sample((2, 3), seed=34))


def f_inv(x):
    out = np.linalg.inv(x)
    return np.sum(out * weights(out))


def f_det(x):
    return np.linalg.det(x * weights(x))


def f_det_batched(x):
    out = np.linalg.det(x)
    return np.sum(out * weights(out))


def f_logdet(x):
    return np.log(np.linalg.det(x))


@pytest.mark.parametrize(
    "fun, shape",
    [
        (f_inv, (3, 3)),
        (f_inv, (2, 3, 3)),
        (f_det, (3, 3)),
        (f_det, (1, 1)),
        (f_det_batched, (2, 3, 3)),
        (f_logdet, (4, 4)),
    ],
    ids=name_of,
)
def test_inverse_and_determinant(fun, shape):
    assert_gradient(fun, well_conditioned(shape, seed=35))


def f_solve(a, b):
    out = np.linalg.solve(a, b)
    return np.sum(out * weights(out))


@pytest.mark.parametrize(
    "a_shape, b_shape",
    [
        ((3, 3), (3,)),
        ((3, 3), (3, 2)),
        ((2, 3, 3), (2, 3, 2)),
        ((2, 3, 3), (3, 3)),
        ((3, 3), (2, 3, 1)),
    ],
    ids=str,
)
def test_solve(a_shape, b_shape):
    a = well_conditioned(a_shape, seed=36)
    b = sample(b_shape, seed=37)
    assert_gradient(f_solve, a, b, wrt=(0, 1))
    assert_gradient(f_solve, a, b, wrt=1)


# ---- shapes --------------------------------------------------------------------------------------


def f_reshape(x):
    out = np.reshape(x, (3, 2))
    return np.sum(np.sin(out) * weights(out))


def f_reshape_flat(x):
    out = np.reshape(x, -1)
    return np.sum(np.sin(out) * weights(out))


def f_ravel(x):
    out = np.ravel(x)
    return np.sum(np.sin(out) * weights(out))


def f_squeeze(x):
    out = np.squeeze(x)
    return np.sum(np.sin(out) * weights(out))


def f_squeeze_axis(x):
    out = np.squeeze(x, axis=1)
    return np.sum(np.sin(out) * weights(out))


def f_expand_dims(x):
    out = np.expand_dims(x, 0) * np.expand_dims(x, axis=-1)
    return np.sum(out * weights(out))


def f_atleast_1d(x):
    out = np.atleast_1d(x)
    return np.sum(np.sin(out) * weights(out))


def f_atleast_2d(x):
    out = np.atleast_2d(x)
    return np.sum(np.sin(out) * weights(out))


def f_broadcast_to(x):
    out = np.broadcast_to(x, (2, 3))
    return np.sum(np.sin(out) * weights(out))


SHAPE_FUNCTIONS = [
    (f_reshape, (2, 3)),
    (f_reshape, (6,)),
    (f_reshape_flat, (2, 3)),
    (f_ravel, (2, 3)),
    (f_ravel, ()),
    (f_squeeze, (2, 1, 3)),
    (f_squeeze, (1, 1)),
    (f_squeeze_axis, (2, 1, 3)),
    (f_expand_dims, (3,)),
    (f_expand_dims, ()),
    (f_atleast_1d, ()),
    (f_atleast_1d, (3,)),
    (f_atleast_2d, ()),
    (f_atleast_2d, (3,)),
    (f_atleast_2d, (2, 3)),
    (f_broadcast_to, ()),
    (f_broadcast_to, (3,)),
    (f_broadcast_to, (2, 1)),
]


@pytest.mark.parametrize("fun, shape", SHAPE_FUNCTIONS, ids=name_of)
def test_shape_function(fun, shape):
    assert_gradient(fun, sample(shape, seed=38))


def f_concatenate(x, y):
    out = np.concatenate([x, y])
    return np.sum(np.sin(out) * weights(out))


def f_concatenate_axis1(x, y):
    out = np.concatenate((x, y), axis=1)
    return np.sum(np.sin(out) * weights(out))


def f_concatenate_flat(x, y):
    out = np.concatenate([x, y, x], axis=None)
    return np.sum(np.sin(out) * weights(out))


def f_stack(x, y):
    out = np.stack([x, y])
    return np.sum(np.sin(out) * weights(out))


def f_stack_axis_last(x, y):
    out = np.stack([x, y, x * y], axis=-1)
    return np.sum(np.sin(out) * weights(out))


def f_hstack(x, y):
    out = np.hstack([x, y])
    return np.sum(np.sin(out) * weights(out))


def f_vstack(x, y):
    out = np.vstack((x, y))
    return np.sum(np.sin(out) * weights(out))


JOINS = [
    (f_concatenate, (3,), (2,)),
    (f_concatenate, (2, 3), (1, 3)),
    (f_concatenate_axis1, (2, 3), (2, 1)),
    (f_concatenate_flat, (2, 3), (4,)),
    (f_stack, (), ()),
    (f_stack, (3,), (3,)),
    (f_stack, (2, 3), (2, 3)),
    (f_stack_axis_last, (2, 3), (2, 3)),
    (f_hstack, (), (3,)),
    (f_hstack, (3,), (2,)),
    (f_hstack, (2, 3), (2, 1)),
    (f_vstack, (3,), (3,)),
    (f_vstack, (), ()),
    (f_vstack, (2, 3), (3,)),
    (f_vstack, (2, 3), (1, 3)),
]


@pytest.mark.parametrize("fun, x_shape, y_shape", JOINS, ids=name_of)
def test_join(fun, x_shape, y_shape):
    assert_gradient(fun, sample(x_shape, seed=39), sample(y_shape, seed=40), wrt=(0, 1))


def f_stack_scalars(x, y):
    out = np.array([x, y, x * y])
    return np.sum(np.sin(out) * weights(out))


def test_array_of_scalars():
    assert_gradient(f_stack_scalars, 0.3, -0.7, wrt=(0, 1))


# ---- indexing ------------------------------------------------------------------------------------

REPEATED = np.array([0, 2, 0, 3, 0])
MASK = np.array([[True, False, True], [False, True, True]])


def i_int(x):
    return np.sin(x[1]) * 2.0 + x[2] ** 2


def i_negative(x):
    return np.sin(x[-1]) * 2.0 + x[-3] ** 2


def i_slice(x):
    out = x[1:3]
    return np.sum(np.sin(out) * weights(out))


def i_step(x):
    out = x[::2] * x[::-1][:2]
    return np.sum(out * weights(out))


def i_slice_variable_bounds(x):
    n = len(x) // 2
    out = x[n:] * x[:n] + x[-2:]
    return np.sum(out * weights(out))


def i_slice_2d(x):
    out = x[1:, ::2] * x[:-1, -2::-1]
    return np.sum(out * weights(out))


def i_overlapping_slices(x):
    out = x[1:] * x[:-1] + x[::-1][1:]
    return np.sum(out * weights(out))


def i_row(x):
    out = x[1]
    return np.sum(np.sin(out) * weights(out))


def i_column(x):
    out = x[:, 1]
    return np.sum(np.sin(out) * weights(out))


def i_element(x):
    return x[1, 2] * x[0, -1] + x[-1][0] ** 2


def i_newaxis(x):
    out = x[None] * x[:, np.newaxis]
    return np.sum(out * weights(out))


def i_newaxis_only(x):
    out = x[None] * x[np.newaxis]
    return np.sum(out * weights(out))


def i_ellipsis(x):
    out = x[..., 0]
    return np.sum(np.sin(out) * weights(out))


def i_repeated(x):
    out = x[REPEATED]
    return np.sum(np.sin(out) * weights(out))


def i_repeated_list(x):
    out = x[[1, 1, 0]]
    return np.sum(np.sin(out) * weights(out))


def i_pairs(x):
    out = x[[0, 1, 1, 0], [2, 0, 0, 2]]
    return np.sum(np.sin(out) * weights(out))


def i_mask(x):
    out = x[MASK]
    return np.sum(np.sin(out) * weights(out))


def i_mask_of_values(x):
    out = x[x > 0.0]
    return np.sum(np.sin(out) * weights(out))


def i_unpack(x):
    a, b = x
    return np.sum(np.sin(a) * b * weights(a))


INDEXING = [
    (i_int, (4,)),
    (i_negative, (4,)),
    (i_slice, (4,)),
    (i_slice, (4, 2)),
    (i_step, (4,)),
    (i_slice_variable_bounds, (4,)),
    (i_slice_2d, (3, 3)),
    (i_overlapping_slices, (5,)),
    (i_row, (2, 3)),
    (i_column, (2, 3)),
    (i_element, (2, 3)),
    (i_newaxis, (3,)),
    (i_newaxis_only, (3,)),
    (i_ellipsis, (2, 3)),
    (i_ellipsis, (2, 2, 3)),
    (i_repeated, (4,)),
    (i_repeated, (4, 2)),
    (i_repeated_list, (3,)),
    (i_pairs, (2, 3)),
    (i_mask, (2, 3)),
    (i_mask_of_values, (2, 3)),
    (i_unpack, (2, 3)),
]


@pytest.mark.parametrize("fun, shape", INDEXING, ids=name_of)
def test_indexing(fun, shape):
    assert_gradient(fun, sample(shape, seed=41))


def test_repeated_indices_accumulate():
    x = np.array([0.1, 0.2, 0.3, 0.4])
    (gradient,) = assert_gradient(i_repeated, x)
    w = weights(np.zeros(5))
    expected_first = np.cos(0.1) * (w[0] + w[2] + w[4])
    assert gradient[0] == pytest.approx(expected_first)
    assert gradient[1] == 0.0


# ---- functions without a gradient, next to differentiable terms ----------------------------------


def n_sign(x):
    return np.sum(x * np.sign(x) * weights(x))


def n_rounding(x):
    steps = np.floor(x) + np.ceil(x) + np.round(x) + np.rint(x) + np.trunc(x)
    return np.sum(x * steps * weights(x))


def n_comparisons(x):
    out = x * (x > 0.2) + x**2 * (x <= 0.2) + x * (x == 0.5) + x * (x != 0.4) + x * (x >= 1.0)
    return np.sum(out * weights(x))


def n_comparison_functions(x):
    flags = np.greater(x, 0.1) + np.less(x, -0.2) + np.equal(x, 0.3) + np.not_equal(x, 0.3)
    more = np.greater_equal(x, 0.0) * 1.0 + np.less_equal(x, 0.0) * 2.0
    return np.sum(x * (flags + more) * weights(x))


def n_logical(x):
    both = np.logical_and(x > -0.5, x < 0.5) * 1.0 + np.logical_or(x < -0.5, x > 0.7) * 2.0
    other = np.logical_not(x > 0.0) * 3.0 + np.logical_xor(x > 0.0, x > 0.5) * 4.0
    return np.sum(x * (both + other) * weights(x))


def n_argmax(x):
    return x[np.argmax(x)] * 2.0 + x[np.argmin(x)] + np.sum(x * np.argsort(x) * weights(x))


def n_nonzero(x):
    kept = x[np.nonzero(x > 0.0)]
    return np.sum(np.sin(kept)) + np.sum(x[np.flatnonzero(x < 0.0)] ** 2)


def n_shape(x):
    n = np.shape(x)[0] + np.size(x) + np.ndim(x)
    return np.sum(np.sin(x) * weights(x)) * n


def n_shape_attributes(x):
    n = x.shape[0] + x.size + x.ndim
    return np.sum(np.sin(x) * weights(x)) * n


def n_like(x):
    base = np.zeros_like(x) + np.ones_like(x) * 2.0 + np.full_like(x, 0.5)
    empty = np.empty_like(x)
    return np.sum((x + base) ** 2 * weights(x)) + 0.0 * np.size(empty)


def n_constructors(x):
    n = np.shape(x)[0]
    ramp = np.zeros(n) + np.ones(n) + np.full(n, 2.0) + np.arange(n) + np.linspace(0.0, 1.0, n)
    square = np.eye(n) + np.identity(n)
    return np.sum(x * ramp * weights(x)) + np.sum(square @ x) + 0.0 * np.size(np.empty(n))


def n_predicates(x):
    ok = np.isfinite(x) * 1.0 + np.isnan(x) + np.isinf(x) + np.isclose(x, 0.3)
    same = np.allclose(x, 0.0) + np.array_equal(x, x) + np.any(x > 0.5) + np.all(x > -5.0)
    return np.sum(x * ok * weights(x)) * (same + 1.0)


def n_integer_results(x):
    count = np.count_nonzero(x > 0.0) + np.searchsorted(np.sort(x), 0.0) + np.size(np.unique(x))
    steps = np.floor_divide(x, 0.3) + np.heaviside(x, 0.5)
    return np.sum(x * steps * weights(x)) * count


def n_fix(x):
    return np.sum(x * np.fix(3.0 * x) * weights(x))


NONDIFFERENTIABLE = [
    n_sign,
    n_rounding,
    n_comparisons,
    n_comparison_functions,
    n_logical,
    n_argmax,
    n_nonzero,
    n_shape,
    n_shape_attributes,
    n_like,
    n_constructors,
    n_predicates,
    n_integer_results,
    n_fix,
]


@pytest.mark.parametrize("fun", NONDIFFERENTIABLE, ids=name_of)
def test_nondifferentiable_functions_are_constants(fun):
    # away from the jumps, step functions are locally constant: finite differences see no gradient
    x = np.array([-1.37, -0.61, 0.13, 0.77, 1.29])
    assert_gradient(fun, x)


def n_sign_only(x):
    return np.sum(np.sign(x) * weights(x))


def test_a_nondifferentiable_output_gives_a_zero_gradient():
    gradient = srcdiff.grad(n_sign_only)(np.array([0.5, -0.2]))
    assert gradient.shape == (2,) and np.all(gradient == 0.0)


# ---- float32 -------------------------------------------------------------------------------------


def s_product(x, y):
    out = np.tanh(x @ y) + np.mean(x, axis=1, keepdims=True) * np.linalg.norm(y, axis=0)
    return np.sum(out * weights(out))


def s_reductions(x, y):
    return np.max(x) * np.var(y) + np.sum(np.exp(x) * np.cumsum(y, axis=1).T)


@pytest.mark.parametrize("fun", [s_product, s_reductions], ids=name_of)
def test_float32_inputs_give_float32_gradients(fun):
    x = sample((3, 2), seed=42, dtype=np.float32)
    y = sample((2, 3), seed=43, dtype=np.float32)
    gradients = srcdiff.grad(fun, wrt=(0, 1))(x, y)
    exact = srcdiff.grad(fun, wrt=(0, 1))(x.astype(np.float64), y.astype(np.float64))
    for gradient, reference, argument in zip(gradients, exact, (x, y)):
        assert gradient.dtype == np.float32 and gradient.shape == argument.shape
        np.testing.assert_allclose(gradient, reference, rtol=1e-4, atol=1e-5)


def test_float32_scalar_gives_float32_gradient():
    gradient = srcdiff.grad(f_sin)(np.float32(0.5))
    assert isinstance(gradient, np.float32)
    assert gradient == pytest.approx(np.cos(0.5) * weights(0.5), rel=1e-6)


# ---- generated code: simple rules are inlined ----------------------------------------------------


def g_sin(x):
    return np.sin(x)


def g_exp(x):
    return np.sum(np.exp(x))


def g_log(x):
    return np.sum(np.log(x))


def g_tanh(x):
    return np.sum(np.tanh(x))


def g_reshape(x):
    return np.sum(np.sin(np.reshape(x, (3, 2))))


def _rule_functions_called(fun):
    """The adjoint rules that the generated code calls (none when all are inlined)."""
    derivative = compiler.derive(fun)
    return [
        name
        for name, value in derivative.injected.items()
        if getattr(value, "__module__", "").startswith("srcdiff.rules")
    ]


@pytest.mark.parametrize(
    "fun, expected",
    [
        (g_sin, "np.cos(x)"),
        (g_exp, "* _t1"),
        (g_log, "/ x"),
        (g_tanh, "(1.0 - _t1 * _t1)"),
        (g_reshape, "np.reshape("),
    ],
    ids=name_of,
)
def test_simple_rules_are_inlined(fun, expected):
    text = srcdiff.source(fun)
    assert expected in text, text
    assert "as_tuple" not in text
    assert _rule_functions_called(fun) == []


def test_a_rule_of_several_statements_is_called():
    # einsum's rule maps over its operands, so the generated code calls it: the test above can fail
    assert _rule_functions_called(f_einsum_matmul) != []
    assert "as_tuple" in srcdiff.source(f_einsum_matmul)


# ---- every numpy function in the table is exercised above ----------------------------------------


def _numpy_names_with_rules():
    """(dotted name, rule) for every numpy function the table knows, random generators aside."""
    found = {}
    for prefix, module in (("np", np), ("np.linalg", np.linalg)):
        for name in dir(module):
            rule = lookup(getattr(module, name))
            if rule is not None and not name.startswith("_"):
                found.setdefault(id(rule), []).append((f"{prefix}.{name}", rule))
    return found


def test_every_numpy_rule_is_exercised():
    from . import test_edge_cases

    text = inspect.getsource(sys.modules[__name__]) + inspect.getsource(test_edge_cases)
    missing = []
    for spellings in _numpy_names_with_rules().values():
        if not any(f"{dotted}(" in text or f"{dotted}[" in text for dotted, _ in spellings):
            missing.append(" or ".join(dotted for dotted, _ in spellings))
    assert missing == [], f"rules without a test: {missing}"


# ---- diagonals, flips, rolls, triangles, axes, casts ----------------------------------------------------


def f_diag_build(v):
    out = np.diag(v)
    return np.sum(np.sin(out) * weights(out))


def f_diag_read(m):
    out = np.diag(m, 1)
    return np.sum(np.sin(out) * weights(out))


def f_flip(m):
    out = np.flip(m, 0)
    return np.sum(np.sin(out) * weights(out))


def f_roll(m):
    out = np.roll(m, 2, axis=1)
    return np.sum(np.sin(out) * weights(out))


def f_triangles(m):
    out = np.tril(m) + 2.0 * np.triu(m, 1)
    return np.sum(np.sin(out) * weights(out))


def f_axes(t):
    out = np.swapaxes(t, 0, 2) + np.moveaxis(t, 0, -1).reshape(np.swapaxes(t, 0, 2).shape)
    return np.sum(np.sin(out) * weights(out))


def f_float64(x):
    return np.float64(x) ** 3


@pytest.mark.parametrize("fun, arg", [
    (f_diag_build, np.array([0.3, -0.7, 1.1])),
    (f_diag_read, np.arange(12.0).reshape(3, 4) / 7),
    (f_flip, np.arange(6.0).reshape(2, 3) / 5),
    (f_roll, np.arange(8.0).reshape(2, 4) / 9),
    (f_triangles, np.arange(9.0).reshape(3, 3) / 4 - 1),
    (f_axes, np.arange(24.0).reshape(2, 3, 4) / 13),
    (f_float64, 0.7),
], ids=name_of)
def test_layout_rules(fun, arg):
    assert_gradient(fun, arg)
