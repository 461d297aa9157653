"""Rules at the edges of their domains, and the functions that build arrays from values: each case is a
program that once gave a wrong gradient or an internal error. Every number is checked against central finite
differences."""

import math

import numpy as np
import pytest

import srcdiff
from srcdiff import testing
from srcdiff.errors import SrcdiffError

from .helpers import assert_gradient, name_of, sample, weights, well_conditioned

# ---- powers at zero and of negative bases -------------------------------------------------------------------


def p_power_zero(x):
    return np.power(x, 0.0)


def p_power_zero_sum(x):
    return np.sum(np.power(x, 0.0) * weights(x))


def p_pow0(x):
    return x**0


def p_pow1(x):
    return x**1


def p_pow2(x):
    return x**2


def p_pow3(x):
    return np.sum(x**3 * weights(x))


def p_pow_negative(x):
    return np.sum(x**-1 * weights(x))


def p_pow_float_integer(x):
    return np.sum(x**2.0 * weights(x))


def p_variable_exponent(x, y):
    return np.sum(x**y * weights(x))


def p_math_pow_zero(x):
    return math.pow(x, 0.0)


def p_math_pow(x, y):
    return math.pow(x, y)


@pytest.mark.parametrize("fun", [p_power_zero, p_pow0, p_pow1, p_pow2, p_math_pow_zero], ids=name_of)
def test_powers_of_a_zero_float(fun):
    assert_gradient(fun, 0.0, nonzero=fun is p_pow1)


@pytest.mark.parametrize("fun", [p_power_zero_sum, p_pow3, p_pow_float_integer], ids=name_of)
def test_powers_of_arrays_with_zeros_and_negatives(fun):
    assert_gradient(fun, np.array([0.0, -1.5, -0.5, 0.7]), nonzero=fun is not p_power_zero_sum)


def test_negative_integer_power_of_negative_bases():
    assert_gradient(p_pow_negative, np.array([-1.5, -0.5, 0.7]))
    assert_gradient(p_pow2, -0.8)


def test_exponent_gradient_at_a_zero_base():
    # d/dy 0 ** y is 0 for y > 0 (and 0 ** 0 = 1 has no slope in y along x = 0 either)
    x = np.array([0.0, 0.5, 1.5])
    y = np.array([2.0, 1.5, 0.5])
    # element by element: a step in both at once would take 0 ** 1.5 to a negative base
    result = testing.check_grad(p_variable_exponent, x, y, wrt=(0, 1))
    assert result.ok, str(result)
    gx, gy = srcdiff.grad(p_variable_exponent, wrt=(0, 1))(np.array([0.0, 0.0]), np.array([0.0, 2.0]))
    assert np.all(np.isfinite(gx)) and np.all(np.isfinite(gy)) and gy[1] == 0.0
    result = testing.check_grad(p_math_pow, 0.0, 2.0, wrt=(0, 1))
    assert result.ok, str(result)


# ---- std and var over one element, and at zero spread ---------------------------------------------------------


def v_std(x):
    return np.std(x)


def v_var(x):
    return np.var(x)


def v_std_axis(x):
    return np.sum(np.std(x, axis=1) * weights(x[:, 0]))


def v_std_float(x):
    return np.std(x) + x


@pytest.mark.parametrize("fun", [v_std, v_var], ids=name_of)
@pytest.mark.parametrize("x", [np.array([2.0]), np.array([[0.3]]), 0.7], ids=["vector", "matrix", "float"])
def test_spread_of_one_element_has_zero_gradient(fun, x):
    (gradient,) = assert_gradient(fun, x, nonzero=False)
    assert np.all(gradient == 0.0)


def test_std_along_an_axis_of_length_one():
    (gradient,) = assert_gradient(v_std_axis, np.array([[0.3], [1.2], [-0.4]]), nonzero=False)
    assert np.all(gradient == 0.0)
    assert_gradient(v_std_float, 0.4)


def v_std_ddof(x):
    return np.std(x, ddof=1)


def test_std_without_degrees_of_freedom_is_nan_and_so_is_its_gradient():
    with np.errstate(all="ignore"):
        assert np.isnan(v_std_ddof(np.array([0.5])))
        assert np.all(np.isnan(srcdiff.grad(v_std_ddof)(np.array([0.5]))))


def test_std_at_zero_spread_is_nan_as_in_autograd_and_jax():
    # several equal values: the standard deviation is not differentiable there (the tip of a cone)
    gradient = srcdiff.grad(v_std)(np.array([1.5, 1.5, 1.5]))
    assert np.all(np.isnan(gradient))
    assert_gradient(v_var, np.array([1.5, 1.5, 1.5]), nonzero=False)


# ---- reductions over nothing, and over axis 0 of a scalar -------------------------------------------------------


def r_sum_axis0(x):
    return np.sum(x, axis=0) ** 2


def r_mean(x):
    return np.mean(x)


def r_mean_rows(x):
    return np.sum(np.mean(x, axis=1))


def test_reductions_over_axis_0_of_a_float():
    assert_gradient(r_sum_axis0, 0.7)
    assert_gradient(r_sum_axis0, np.float64(0.7))


def test_mean_of_an_empty_array_has_an_empty_gradient():
    with np.errstate(invalid="ignore", divide="ignore"):
        assert srcdiff.grad(r_mean)(np.zeros(0)).shape == (0,)
        assert srcdiff.grad(r_mean_rows)(np.zeros((0, 3))).shape == (0, 3)
        assert srcdiff.grad(r_mean_rows)(np.zeros((3, 0))).shape == (3, 0)


# ---- arrays built from values: full, full_like, linspace, arange, unique, heaviside --------------------------


def b_full(x):
    return np.sum(np.full(3, x) * weights(np.zeros(3)))


def b_full_shape(x):
    return np.sum(np.sin(np.full((2, 3), x)) * weights(np.zeros((2, 3))))


def b_full_row(x):
    return np.sum(np.full((2, 3), x) ** 2 * weights(np.zeros((2, 3))))


def b_full_like(x):
    return np.sum(np.full_like(np.zeros(4), x) ** 3 * weights(np.zeros(4)))


def b_full_like_keyword(x):
    return np.sum(np.full_like(np.zeros((2, 2)), fill_value=x) * weights(np.zeros((2, 2))))


def b_linspace(a, b):
    return np.sum(np.sin(np.linspace(a, b, 5)) * weights(np.zeros(5)))


def b_linspace_open(a, b):
    return np.sum(np.linspace(a, b, num=4, endpoint=False) ** 2 * weights(np.zeros(4)))


def b_linspace_one(a, b):
    return np.sum(np.linspace(a, b, 1) ** 2)


def b_linspace_arrays(a, b):
    out = np.linspace(a, b, 3, axis=1)
    return np.sum(out**2 * weights(out))


def b_linspace_step(a, b):
    samples, step = np.linspace(a, b, 5, retstep=True)
    return np.sum(samples**2 * weights(samples)) + 3.0 * step**2


def b_arange(start, step):
    out = np.arange(start, 2.0, step)
    return np.sum(out**2 * weights(out))


def b_arange_two(start, stop):
    out = np.arange(start, stop)
    return np.sum(np.sin(out) * weights(out))


def b_arange_stop(stop):
    out = np.arange(stop)
    return np.sum(out * weights(out)) + stop**2


def b_unique(x):
    out = np.unique(x)
    return np.sum(np.sin(out) * weights(out))


def b_heaviside(x, h):
    return np.sum(np.heaviside(x, h) * weights(x) * h)


@pytest.mark.parametrize("fun", [b_full, b_full_shape, b_full_like, b_full_like_keyword], ids=name_of)
def test_fill_value_gets_the_summed_cotangent(fun):
    assert_gradient(fun, 0.7)


def test_fill_value_that_broadcasts():
    assert_gradient(b_full_row, np.array([0.3, -0.6, 1.1]))


@pytest.mark.parametrize("fun", [b_linspace, b_linspace_open, b_linspace_one, b_linspace_step], ids=name_of)
def test_linspace_start_and_stop(fun):
    assert_gradient(fun, 0.3, 1.7, wrt=(0, 1), nonzero=fun is not b_linspace_one)
    assert_gradient(fun, 0.3, 1.7, wrt=0)


def test_linspace_between_arrays():
    assert_gradient(b_linspace_arrays, np.array([0.1, 0.5]), np.array([1.0, -0.3]), wrt=(0, 1))


def test_arange_with_float_start_and_step():
    assert_gradient(b_arange, 0.15, 0.35, wrt=(0, 1))
    assert_gradient(b_arange_two, 0.15, 3.3, wrt=(0, 1), nonzero=True)
    assert_gradient(b_arange_stop, 3.5)


def test_unique_values_carry_the_gradient_of_their_elements():
    assert_gradient(b_unique, np.array([0.7, -0.2, 1.3, 0.4]))
    gradient = srcdiff.grad(b_unique)(np.array([0.7, 0.7, 0.1]))  # a repeat shares its value's cotangent
    assert gradient[0] == gradient[1] and gradient[0] + gradient[1] == pytest.approx(
        np.cos(0.7) * weights(np.zeros(2))[1])


def test_heaviside_value_at_zero():
    x = np.array([0.0, -0.5, 0.5, 0.0])
    assert_gradient(b_heaviside, x, 0.3, wrt=1)


def b_random_normal(mu):
    return np.sum(np.random.normal(mu, 1.0, 3))


def b_random_constant(x):
    return np.sum(x * np.random.normal(0.0, 1.0, 3) * 0.0 + x**2)


def test_a_random_draw_from_a_differentiated_value_is_refused_where_it_is():
    with pytest.raises(SrcdiffError) as info:
        srcdiff.grad(b_random_normal)(0.5)
    assert info.value.filename == __file__ and info.value.lineno is not None
    assert "normal" in str(info.value)
    assert_gradient(b_random_constant, np.array([0.5, -0.3, 0.2]))


# ---- einsum: sublists, broadcasting, repeated indices, ellipses ---------------------------------------------


def e_sublist(a, b):
    out = np.einsum(a, [0, 1], b, [1, 2], [0, 2])
    return np.sum(out * weights(out))


def e_sublist_implicit(a, b):
    out = np.einsum(a, [0, 1], b, [1, 2])
    return np.sum(out * weights(out))


def e_broadcast(a, b):
    out = np.einsum("ij,ij->ij", a, b)
    return np.sum(out * weights(out))


def e_trace(a, b):
    return np.einsum("ii->", a) * np.sum(b)


def e_diagonal(a, b):
    out = np.einsum("ii->i", a) * np.einsum("ij->j", b)
    return np.sum(out * weights(out))


def e_repeated_in_product(a, b):
    out = np.einsum("ii,ij->j", a, b)
    return np.sum(out * weights(out))


def e_ellipsis(a, b):
    out = np.einsum("...ij,...jk->...ik", a, b)
    return np.sum(out * weights(out))


def e_ellipsis_implicit(a, b):
    out = np.einsum("...j,j", a, b)
    return np.sum(out * weights(out))


def e_ellipsis_sublist(a, b):
    out = np.einsum(a, [Ellipsis, 0, 1], b, [1, 2], [Ellipsis, 0, 2])
    return np.sum(out * weights(out))


def e_optimized(a, b):
    out = np.einsum("ij,jk->ik", a, b, optimize=True)
    return np.sum(out * weights(out))


EINSUMS = [
    (e_optimized, (2, 3), (3, 2)),
    (e_sublist, (2, 3), (3, 2)),
    (e_sublist_implicit, (2, 3), (3, 4)),
    (e_broadcast, (2, 1), (2, 3)),
    (e_broadcast, (1, 3), (2, 3)),
    (e_trace, (3, 3), (2,)),
    (e_diagonal, (3, 3), (2, 3)),
    (e_repeated_in_product, (3, 3), (3, 2)),
    (e_ellipsis, (2, 2, 3), (3, 2)),
    (e_ellipsis, (4, 2, 3), (1, 3, 2)),
    (e_ellipsis_implicit, (2, 3), (3,)),
    (e_ellipsis_sublist, (2, 2, 3), (3, 2)),
]


@pytest.mark.parametrize("fun, a_shape, b_shape", EINSUMS, ids=lambda v: name_of(v))
def test_einsum_forms(fun, a_shape, b_shape):
    a, b = sample(a_shape, seed=40), sample(b_shape, seed=41)
    assert_gradient(fun, a, b, wrt=(0, 1))
    (tangent_out, tangent) = srcdiff.jvp(fun, (a, b), (np.ones_like(a), None))
    assert tangent == pytest.approx(testing.numerical_jvp(fun, (a, b), (np.ones_like(a), None)), rel=1e-5, abs=1e-7)


# ---- norms of every order, and np.dot with a 3-d operand --------------------------------------------------------


def n_norm(x, ord=None, axis=None, keepdims=False):
    return np.linalg.norm(x, ord, axis, keepdims) * 1.0


def n_p3(x):
    return np.linalg.norm(x, 3)


def n_p4(x):
    return np.linalg.norm(x, ord=4)


def n_p_half(x):
    return np.linalg.norm(x, 0.5)


def n_p_minus1(x):
    return np.linalg.norm(x, -1)


def n_inf(x):
    return np.linalg.norm(x, np.inf)


def n_minus_inf(x):
    return np.linalg.norm(x, -np.inf)


def n_zero(x):
    return np.linalg.norm(x, 0) * np.sum(x)


def n_p3_axis(x):
    out = np.linalg.norm(x, 3, axis=1)
    return np.sum(out * weights(out))


def n_nuc(x):
    return np.linalg.norm(x, "nuc")


def n_spectral_min(x):
    return np.linalg.norm(x, -2)


def n_matrix_1(x):
    return np.linalg.norm(x, 1)


def n_matrix_minus1(x):
    return np.linalg.norm(x, -1)


def n_matrix_inf(x):
    return np.linalg.norm(x, np.inf)


def n_matrix_minus_inf(x):
    return np.linalg.norm(x, -np.inf)


def n_matrix_axes(x):
    out = np.linalg.norm(x, "nuc", axis=(0, 2))
    return np.sum(out * weights(out))


def n_matrix_keepdims(x):
    out = np.linalg.norm(x, 2, axis=(1, 2), keepdims=True)
    return np.sum(out * weights(out))


NORMS = [
    (n_p3, (4,)), (n_p4, (4,)), (n_p_half, (4,)), (n_p_minus1, (4,)), (n_inf, (4,)), (n_minus_inf, (4,)),
    (n_zero, (4,)), (n_p3_axis, (2, 3)), (n_nuc, (3, 2)), (n_spectral_min, (2, 3)), (n_matrix_1, (2, 3)),
    (n_matrix_minus1, (3, 2)), (n_matrix_inf, (2, 3)), (n_matrix_minus_inf, (3, 3)), (n_matrix_axes, (2, 3, 3)),
    (n_matrix_keepdims, (2, 3, 2)),
]


@pytest.mark.parametrize("fun, shape", NORMS, ids=name_of)
def test_norm_orders(fun, shape):
    assert_gradient(fun, sample(shape, seed=42))


def d_dot3(a, b):
    out = np.dot(a, b)
    return np.sum(out * weights(out))


@pytest.mark.parametrize("shapes", [((2, 3), (4, 3, 2)), ((3,), (2, 3, 4)), ((2, 2, 3), (2, 3, 2))], ids=str)
def test_dot_with_a_3d_second_operand(shapes):
    assert_gradient(d_dot3, sample(shapes[0], seed=43), sample(shapes[1], seed=44), wrt=(0, 1))


# ---- np.r_ and np.c_: concatenations of values; slices and directives refused at their line --------------------


def x_r(x):
    y = np.r_[x, 1.0, x * 2.0]
    return np.sum(y**2 * weights(y))


def x_r_scalars(x):
    y = np.r_[x, 2.0, x * x]
    return np.sum(np.sin(y) * weights(y))


def x_r_matrices(x):
    y = np.r_[x, x * 3.0]
    return np.sum(np.sin(y) * weights(y))


def x_c(x):
    y = np.c_[x, x**2]
    return np.sum(y**2 * weights(y))


def x_c_matrix(x):
    y = np.c_[x, np.ones((2, 1))]
    return np.sum(np.sin(y) * weights(y))


def x_r_slice(x):
    y = np.r_[0.0:1.0:3j, x]
    return np.sum(y**2)


def x_r_directive(x):
    y = np.r_["0,2", x, x]
    return np.sum(y**2)


def x_r_constant(x):
    y = np.r_[0.5, 1.0, 2.0]
    return np.sum(x * y)


@pytest.mark.parametrize("fun, x", [(x_r, np.array([0.5, -1.0])), (x_r_scalars, 0.7), (x_r_matrices, sample((2, 3))),
                                    (x_c, np.array([0.5, -1.0, 0.3])), (x_c_matrix, sample((2, 3)))], ids=name_of)
def test_index_builders_of_values_are_concatenations(fun, x):
    assert_gradient(fun, x)
    tangent = np.ones_like(x) * 0.3 if np.ndim(x) else 0.3
    _, out = srcdiff.jvp(fun, (x,), (tangent,))
    assert out == pytest.approx(testing.numerical_jvp(fun, (x,), (tangent,)), rel=1e-5)


@pytest.mark.parametrize("fun", [x_r_slice, x_r_directive], ids=name_of)
def test_index_builders_with_slices_or_directives_are_refused_at_their_line(fun):
    import inspect

    line = inspect.getsourcelines(fun)[1] + 1
    for derive in (lambda: srcdiff.grad(fun)(np.array([0.5, -1.0])),
                   lambda: srcdiff.jvp(fun, (np.array([0.5, -1.0]),), (np.ones(2),))):
        with pytest.raises(SrcdiffError) as info:
            derive()
        assert info.value.filename == __file__ and info.value.lineno == line
        assert "np.concatenate" in str(info.value)


def test_index_builder_of_constants_is_a_constant():
    assert_gradient(x_r_constant, np.array([0.5, -1.0, 0.3]))


# ---- more edges: singular determinants, hypot at the origin, trace of a stack, negative transpose axes -------


def k_det(x):
    return np.linalg.det(x)


def k_det_batched(x):
    out = np.linalg.det(x)
    return np.sum(out * weights(out))


def k_hypot(x, y):
    return np.sum(np.hypot(x, y) * weights(x))


def k_math_hypot(x, y):
    return math.hypot(x, y) * 2.0


def k_trace3(x):
    out = np.trace(x)
    return np.sum(out * weights(out))


def k_transpose_negative(x):
    out = np.transpose(x, (-1, 0, 1))
    return np.sum(np.sin(out) * weights(out))


def k_prod_axis0_of_float(x):
    return np.prod(x, axis=0) ** 2


SINGULAR = [
    np.array([[1.0, 2.0], [2.0, 4.0]]),
    np.zeros((3, 3)),
    np.outer([1.0, 2.0, 3.0], [0.5, 1.0, -1.0]),
    np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]),
]


@pytest.mark.parametrize("a", SINGULAR, ids=["rank-1 2x2", "zeros", "rank-1 3x3", "rank-2 3x3"])
def test_determinant_of_a_singular_matrix(a):
    # the gradient is the matrix of cofactors, which singular matrices have too
    assert_gradient(k_det, a, nonzero=np.linalg.matrix_rank(a) == len(a) - 1)  # rank n - 2: all minors vanish
    output, tangent = srcdiff.jvp(k_det, (a,), (np.ones_like(a),))
    assert tangent == pytest.approx(testing.numerical_jvp(k_det, (a,), (np.ones_like(a),)), abs=1e-6)
    assert_gradient(k_det_batched, np.stack([a, well_conditioned(a.shape, seed=3)]), nonzero=True)


def test_hypot_at_the_origin_has_zero_gradient_as_a_norm_does():
    gx, gy = srcdiff.grad(k_hypot, wrt=(0, 1))(np.array([0.0, 0.3]), np.array([0.0, -0.4]))
    assert gx[0] == 0.0 and gy[0] == 0.0
    result = testing.check_grad(k_hypot, np.array([0.0, 0.3]), np.array([0.0, -0.4]), wrt=(0, 1))
    assert result.ok, str(result)
    result = testing.check_grad(k_math_hypot, 0.0, 0.0, wrt=(0, 1))
    assert result.ok, str(result)


def test_trace_of_a_stack_and_transpose_with_negative_axes():
    assert_gradient(k_trace3, sample((2, 3, 2), seed=60))
    assert_gradient(k_transpose_negative, sample((2, 3, 4), seed=61))
    assert_gradient(k_prod_axis0_of_float, 0.7)


# ---- np.matrix inputs ------------------------------------------------------------------------------------------


def m_sum(x):
    return np.sum(x**2)


def test_a_matrix_input_is_refused_clearly():
    with pytest.raises(srcdiff.errors.InputTypeError, match="np.matrix"):
        srcdiff.grad(m_sum)(np.matrix([[1.0, 2.0]]))


# ---- forward mode through the same rules ----------------------------------------------------------------------


FORWARD = [
    (b_full, (0.7,)), (b_full_shape, (0.7,)), (b_full_like, (0.7,)), (b_full_like_keyword, (0.7,)),
    (b_full_row, (np.array([0.3, -0.6, 1.1]),)), (b_linspace, (0.3, 1.7)), (b_linspace_open, (0.3, 1.7)),
    (b_linspace_step, (0.3, 1.7)), (b_linspace_arrays, (np.array([0.1, 0.5]), np.array([1.0, -0.3]))),
    (b_arange, (0.15, 0.35)), (b_arange_two, (0.15, 3.3)), (b_unique, (np.array([0.7, -0.2, 1.3, 0.4]),)),
    (b_heaviside, (np.array([0.0, -0.5, 0.5, 0.0]), 0.3)), (v_std_axis, (np.array([[0.3], [1.2], [-0.4]]),)),
    (r_sum_axis0, (0.7,)), (p_power_zero_sum, (np.array([0.0, -1.5, 0.7]),)), (p_pow2, (0.0,)),
    (d_dot3, (sample((2, 3), seed=43), sample((4, 3, 2), seed=44))),
] + [(fun, (sample(shape, seed=42),)) for fun, shape in NORMS]


@pytest.mark.parametrize("fun, args", FORWARD, ids=lambda v: name_of(v) if callable(v) else "")
def test_forward_mode(fun, args):
    rng = np.random.default_rng(3)
    tangents = tuple(rng.uniform(-1.0, 1.0, np.shape(a)) if np.ndim(a) else float(rng.uniform(-1.0, 1.0))
                     for a in args)
    if fun is b_heaviside:  # a step in x at x = 0: move h alone
        tangents = (None, tangents[1])
    output, tangent = srcdiff.jvp(fun, args, tangents)
    assert output == pytest.approx(fun(*args))
    assert tangent == pytest.approx(testing.numerical_jvp(fun, args, tangents), rel=1e-5, abs=1e-6)


# ---- `or` and `and` return an operand: a differentiated one is refused, truth values stay constants -------------


def o_or(x):
    return (x or 1.0) * 2.0


def o_and_of_conditions(x):
    both = x > 0.0 and x < 2.0
    return x**2 * both


def test_or_of_a_differentiated_value_is_refused_at_its_line():
    import inspect

    with pytest.raises(SrcdiffError) as info:
        srcdiff.grad(o_or)(0.5)
    assert info.value.filename == __file__ and info.value.lineno == inspect.getsourcelines(o_or)[1] + 1
    assert_gradient(o_and_of_conditions, 0.5)


# ---- infinite slopes of Python floats: inf (as numpy gives), not a ZeroDivisionError ---------------------------


def q_sqrt(x):
    return math.sqrt(x)


def q_asin(x):
    return math.asin(x)


def q_acos(x):
    return math.acos(x)


def q_pow_half(x):
    return math.pow(x, 0.5)


@pytest.mark.parametrize("fun, x, sign", [(q_sqrt, 0.0, 1.0), (q_asin, 1.0, 1.0), (q_asin, -1.0, 1.0),
                                          (q_acos, 1.0, -1.0), (q_pow_half, 0.0, 1.0)], ids=name_of)
def test_infinite_slope_of_a_float(fun, x, sign):
    gradient = srcdiff.grad(fun)(x)
    assert gradient == sign * math.inf
    step = 1e-12 if x <= 0.0 else -1e-12  # the one-sided difference quotient into the domain grows without bound
    assert sign * (fun(x + step) - fun(x)) / step > 1e5


def q_atan2(y, x):
    return math.atan2(y, x)


def test_atan2_at_the_origin_has_no_derivative():
    gy, gx = srcdiff.grad(q_atan2, wrt=(0, 1))(0.0, 0.0)
    assert math.isnan(gy) and math.isnan(gx)
    assert_gradient(q_atan2, 0.3, -0.2, wrt=(0, 1))
