"""The adjoints of Python's builtins (``srcdiff/rules/builtins_rules.py``): abs, sum, max..."""

import builtins
import inspect
import re
import sys

import numpy as np
import pytest

import srcdiff
from srcdiff.rules import lookup

from .helpers import SHAPE_IDS, SHAPES, assert_gradient, name_of, sample, weights

# ---- abs and float -------------------------------------------------------------------------------


def b_abs(x):
    out = abs(x)
    return np.sum(out * weights(out))


def b_abs_of_expression(x):
    out = abs(x * 2.0 - 0.3)
    return np.sum(np.sin(out) * weights(out))


@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("fun", [b_abs, b_abs_of_expression], ids=name_of)
def test_abs(fun, shape):
    assert_gradient(fun, sample(shape, seed=60))


def b_float(x):
    return float(x) ** 2 + float(np.sum(x * weights(x)))


def b_float_of_array(x):
    total = float(np.sum(x * weights(x)))
    return total**2


def test_float():
    (gradient,) = assert_gradient(b_float, 0.7)
    assert gradient == pytest.approx(2 * 0.7 + weights(0.7))
    assert_gradient(b_float, np.float64(-0.4))
    assert_gradient(b_float_of_array, sample((2, 3), seed=61))


# ---- list and tuple of a sequence, and loops over reversed(...) ----------------------------------------


def b_list_of_tuple(x, y):
    items = list((x, y * 2.0))
    return np.sum(items[0] * weights(x)) + np.sum(np.sin(items[1]))


def b_tuple_of_array_rows(m):
    rows = tuple(m)
    return np.sum(rows[0] * rows[-1])


def b_reversed_loop(x):
    total = 0.0
    for row in reversed(x):
        total = total * 0.5 + np.sum(row * row)
    return total


@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_list_and_tuple(shape):
    assert_gradient(b_list_of_tuple, sample(shape, seed=62), sample(shape, seed=63))


def test_tuple_of_the_rows_of_a_matrix_and_a_loop_over_reversed():
    assert_gradient(b_tuple_of_array_rows, sample((3, 2), seed=64))
    assert_gradient(b_reversed_loop, sample((4, 3), seed=65))
    assert_gradient(b_reversed_loop, sample((4,), seed=66))


# ---- sum -----------------------------------------------------------------------------------------


def b_sum_list(x, y, z):
    return sum([x, y * 2.0, np.sin(z)])


def b_sum_tuple(x, y):
    out = sum((x, y, x * y))
    return np.sum(out * weights(out))


def b_sum_array(x):
    out = sum(x)
    return np.sum(np.sin(out) * weights(out))


def b_sum_start(x, start):
    out = sum(x, start)
    return np.sum(np.sin(out) * weights(out))


def test_sum_of_a_list_of_floats():
    gradients = assert_gradient(b_sum_list, 0.3, -0.6, 0.9, wrt=(0, 1, 2))
    assert gradients == pytest.approx((1.0, 2.0, np.cos(0.9)))


@pytest.mark.parametrize("shapes", [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((), (2, 3))], ids=str)
def test_sum_of_a_tuple_of_arrays(shapes):
    x = sample(shapes[0], seed=62)
    y = sample(shapes[1], seed=63)
    assert_gradient(b_sum_tuple, x, y, wrt=(0, 1))


@pytest.mark.parametrize("shape", [(4,), (2, 3), (3, 2, 2)], ids=str)
def test_sum_over_the_first_axis_of_an_array(shape):
    assert_gradient(b_sum_array, sample(shape, seed=64))


@pytest.mark.parametrize("shapes", [((4,), ()), ((2, 3), ()), ((2, 3), (3,))], ids=str)
def test_sum_with_a_start_value(shapes):
    x = sample(shapes[0], seed=65)
    start = sample(shapes[1], seed=66)
    assert_gradient(b_sum_start, x, start, wrt=(0, 1))


# ---- max and min ---------------------------------------------------------------------------------


def b_max(x, y):
    return max(x, y) ** 2 + x


def b_min(x, y):
    return min(x, y) ** 2 + x


def b_max_three(x, y, z):
    return max(x, y * 2.0, z) ** 2


def b_min_three(x, y, z):
    return min(x, y * 2.0, z) ** 2


def b_max_list(x, y, z):
    return max([x, y, z]) ** 2


def b_min_tuple(x, y, z):
    return min((x, y, z)) ** 2


def b_max_relu(x):
    return max(0.0, x) * 3.0 + min(x, 0.0) * 0.5


@pytest.mark.parametrize("fun", [b_max, b_min], ids=name_of)
def test_max_and_min_of_two(fun):
    for x, y in [(0.3, 0.8), (0.9, -0.4), (-1.2, -0.5)]:
        gx, gy = assert_gradient(fun, x, y, wrt=(0, 1))
        # exactly one of the two gets the cotangent of the result
        assert (gx == 1.0) != (gy == 0.0)


@pytest.mark.parametrize("fun", [b_max_three, b_min_three, b_max_list, b_min_tuple], ids=name_of)
def test_max_and_min_of_several(fun):
    for point in [(0.3, 0.8, -0.2), (0.9, -0.4, 0.1), (-1.2, -0.5, -0.9)]:
        gradients = assert_gradient(fun, *point, wrt=(0, 1, 2))
        assert sum(g != 0 for g in gradients) == 1


def test_max_relu():
    assert srcdiff.grad(b_max_relu)(0.7) == 3.0
    assert srcdiff.grad(b_max_relu)(-0.7) == 0.5
    assert_gradient(b_max_relu, 0.7)
    assert_gradient(b_max_relu, -0.7)


def b_max_of_vector(x):
    return max(x) ** 2 + np.sum(x * weights(x))


def test_max_over_a_vector():
    x = np.array([0.3, -0.9, 0.8, 0.1])
    (gradient,) = assert_gradient(b_max_of_vector, x)
    np.testing.assert_allclose(gradient - weights(x), [0.0, 0.0, 1.6, 0.0])


# ---- builtins without a gradient -----------------------------------------------------------------


def b_len_int_round(x):
    n = len(x) + int(x[0] * 10.0) + round(x[1] * 10.0)
    return np.sum(x**2 * weights(x)) * n


def b_bool_isinstance(x):
    flag = bool(x[0] > 0.0) + isinstance(x, np.ndarray)
    print("flag", flag)
    return np.sum(np.sin(x) * weights(x)) * (flag + 1)


def b_range_enumerate_zip(x):
    total = 0.0
    for i in range(len(x)):
        total = total + x[i] * (i + 1)
    for i, value in enumerate(x):
        total = total + value**2 * i
    for value, w in zip(x, weights(x)):
        total = total + np.sin(value) * w
    return total


@pytest.mark.parametrize(
    "fun", [b_len_int_round, b_bool_isinstance, b_range_enumerate_zip], ids=name_of
)
def test_nondifferentiable_builtins(fun):
    assert_gradient(fun, np.array([0.37, -0.61, 0.13, 0.77]))


# ---- generated code ------------------------------------------------------------------------------


def g_abs(x):
    return abs(x)


def g_sum_list(x, y):
    return sum([x, y])


def test_abs_rule_is_inlined():
    text = srcdiff.source(g_abs)
    assert "np.sign(x)" in text and "as_tuple" not in text


def test_sum_rule_is_inlined():
    text = srcdiff.source(g_sum_list, wrt=(0, 1))
    assert "as_tuple" not in text and "sequence_sum_cotangent" in text


def test_every_builtin_rule_is_exercised():
    text = inspect.getsource(sys.modules[__name__])
    names = [name for name in dir(builtins) if lookup(getattr(builtins, name)) is not None]
    assert {"abs", "float", "sum", "max", "min", "len"} <= set(names)
    missing = [name for name in names if not re.search(rf"(?<![\w.]){name}\(", text)]
    assert missing == [], f"rules without a test: {missing}"


def g_type_branch(x):
    scale = 2.0 if type(x) is float else 3.0
    return scale * x * x


def test_type_is_a_constant():
    assert srcdiff.grad(g_type_branch)(1.5) == pytest.approx(6.0)
    np.testing.assert_allclose(srcdiff.grad(g_type_branch)(np.array([1.5])), [9.0])
