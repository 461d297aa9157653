"""The adjoints of the operators (``srcdiff/rules/operators.py``), against finite differences."""

import numpy as np
import pytest

import srcdiff

from .helpers import (
    PAIR_IDS,
    PAIRS,
    SHAPE_IDS,
    SHAPES,
    assert_gradient,
    name_of,
    sample,
    weights,
)

# ---- binary arithmetic, both operands differentiated, over equal and broadcasting shapes ---------


def f_add(x, y):
    out = x + y
    return np.sum(out * weights(out))


def f_sub(x, y):
    out = x - y
    return np.sum(out * weights(out))


def f_mul(x, y):
    out = x * y
    return np.sum(out * weights(out))


def f_div(x, y):
    out = x / y
    return np.sum(out * weights(out))


def f_pow(x, y):
    out = x**y
    return np.sum(out * weights(out))


def f_mod(x, y):
    out = x % y
    return np.sum(out * weights(out))


# (function, domain of x, domain of y)
BINARY = [
    (f_add, (-1.0, 1.0), (-1.0, 1.0)),
    (f_sub, (-1.0, 1.0), (-1.0, 1.0)),
    (f_mul, (-1.0, 1.0), (-1.0, 1.0)),
    (f_div, (-1.0, 1.0), (0.5, 2.0)),
    (f_pow, (0.5, 2.0), (-1.5, 2.5)),
    (f_mod, (1.1, 1.9), (0.6, 0.9)),
]


@pytest.mark.parametrize("shapes", PAIRS, ids=PAIR_IDS)
@pytest.mark.parametrize("fun, x_domain, y_domain", BINARY, ids=name_of)
def test_binary_operator(fun, x_domain, y_domain, shapes):
    x = sample(shapes[0], *x_domain, seed=1)
    y = sample(shapes[1], *y_domain, seed=2)
    assert_gradient(fun, x, y, wrt=(0, 1))
    assert_gradient(fun, x, y, wrt=1)


def test_mod_with_wrapping_quotients():
    # x // y takes the values -2 .. 2 here, so the cotangent of y is not just -g
    x = np.array([-1.7, -0.4, 0.3, 1.25, 2.2])
    y = np.array([0.7, 0.9, 0.45, 0.55, 0.8])
    assert_gradient(f_mod, x, y, wrt=(0, 1))


# ---- one operand constant ------------------------------------------------------------------------


def f_add_constant(x):
    return np.sum((x + 2.0) ** 2 * weights(x))


def f_constant_minus(x):
    return np.sum((2.0 - x) ** 2 * weights(x))


def f_times_constant(x):
    return np.sum(np.sin(3.0 * x) * weights(x))


def f_constant_over(x):
    return np.sum(1.0 / x * weights(x))


def f_over_constant(x):
    return np.sum(np.sin(x / 4.0) * weights(x))


def f_cube(x):
    return np.sum(x**3 * weights(x))


def f_square_int(x):
    return np.sum(x**2 * weights(x))


def f_negative_power(x):
    return np.sum(x**-2 * weights(x))


def f_half_power(x):
    return np.sum(x**0.5 * weights(x))


def f_constant_base(x):
    return np.sum(2.0**x * weights(x))


def f_mod_constant(x):
    return np.sum((x % 0.7) ** 2 * weights(x))


def f_neg(x):
    return np.sum(np.sin(-x) * weights(x))


def f_pos(x):
    return np.sum(np.sin(+x) * weights(x))


UNARY_FORMS = [
    (f_add_constant, (-1.0, 1.0)),
    (f_constant_minus, (-1.0, 1.0)),
    (f_times_constant, (-1.0, 1.0)),
    (f_constant_over, (0.5, 2.0)),
    (f_over_constant, (-1.0, 1.0)),
    (f_cube, (-1.0, 1.0)),
    (f_square_int, (-1.0, 1.0)),
    (f_negative_power, (0.5, 2.0)),
    (f_half_power, (0.5, 2.0)),
    (f_constant_base, (-1.0, 1.0)),
    (f_mod_constant, (0.05, 0.65)),
    (f_neg, (-1.0, 1.0)),
    (f_pos, (-1.0, 1.0)),
]


@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("fun, domain", UNARY_FORMS, ids=name_of)
def test_operator_with_a_constant(fun, domain, shape):
    assert_gradient(fun, sample(shape, *domain))


def test_integer_power_of_negative_base():
    # the cotangent of the base must not go through log(x), which is undefined for x < 0
    assert_gradient(f_cube, np.array([-1.5, -0.5, 0.7]))
    assert_gradient(f_square_int, -0.8)


def test_power_at_zero_base_with_integer_exponent():
    (gradient,) = assert_gradient(f_square_int, np.array([0.0, 0.5, -0.5]))
    assert gradient[0] == 0.0


# ---- matrix product ------------------------------------------------------------------------------


def f_matmul(x, y):
    out = x @ y
    return np.sum(out * weights(out))


MATMUL_SHAPES = [
    ((2, 3), (3, 4)),
    ((3,), (3, 4)),
    ((2, 3), (3,)),
    ((3,), (3,)),
    ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)),
    ((5, 2, 3), (5, 3, 2)),
    ((2, 1, 2, 3), (3, 3, 2)),
    ((5, 2, 3), (3,)),
    ((3,), (5, 3, 2)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul(shapes):
    x = sample(shapes[0], seed=3)
    y = sample(shapes[1], seed=4)
    assert_gradient(f_matmul, x, y, wrt=(0, 1))


# ---- operators without a gradient, next to differentiable terms ----------------------------------


def f_floordiv(x):
    return np.sum(x * (x // 0.3) * weights(x))


def f_bitand_bitor_bitxor(x):
    inside = (x > -0.5) & (x < 0.5)
    either = (x < -0.5) | (x > 0.5)
    one = (x > 0.0) ^ (x > 0.3)
    return np.sum(x * (inside + 2 * either + 3 * one) * weights(x))


def f_invert(x):
    return np.sum(x**2 * ~(x > 0.0) * weights(x))


def f_shifts(x):
    counts = x.astype(int)
    return np.sum(x * ((counts << 2) + (counts >> 1)) * weights(x))


def f_not(x):
    return np.sum(x * (not np.all(x > 5.0)))


@pytest.mark.parametrize(
    "fun, domain",
    [
        (f_floordiv, (-1.0, 1.0)),
        (f_bitand_bitor_bitxor, (-1.0, 1.0)),
        (f_invert, (-1.0, 1.0)),
        (f_shifts, (-3.0, 3.0)),
        (f_not, (-1.0, 1.0)),
    ],
    ids=name_of,
)
def test_nondifferentiable_operator_is_constant(fun, domain):
    assert_gradient(fun, sample((3, 4), *domain, seed=5))


# ---- generated code ------------------------------------------------------------------------------


def f_mul_plain(x, y):
    return np.sum(x * y)


def f_div_plain(x, y):
    return np.sum(x / y)


def test_simple_operator_rules_are_inlined():
    text = srcdiff.source(f_mul_plain, wrt=(0, 1))
    # the product rule, pasted: unbroadcast_product(g, y, x) is unbroadcast(g * y, x) in one pass
    assert "unbroadcast_product(b_t1, y, x)" in text and "unbroadcast_product(b_t1, x, y)" in text
    assert "as_tuple" not in text and " mul(" not in text
    text = srcdiff.source(f_div_plain, wrt=1)
    assert "/ y" in text and "as_tuple" not in text and "div(" not in text
