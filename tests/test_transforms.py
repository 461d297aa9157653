"""vjp, jacobian and has_aux, checked against finite differences and closed forms."""

import numpy as np
import pytest

import srcdiff
from srcdiff.testing import numerical_gradient, numerical_jacobian, numerical_jvp


def polar_to_cartesian(p):
    return np.stack([p[0] * np.cos(p[1]), p[0] * np.sin(p[1])])


def vector_function(x, A):
    return np.tanh(A @ x) * x[0]


def pair_output(x, y):
    return np.sum(x * y), x * 2.0


def loss_with_aux(w, X, y):
    err = X @ w - y
    return np.mean(err**2), {"max_error": np.max(np.abs(err)), "n": X.shape[0]}


def looping_vector(x):
    out = x
    for i in range(3):
        out = np.sin(out) + 0.5 * out
    return out


def test_jacobian_of_polar_to_cartesian_is_the_closed_form():
    r, theta = 2.0, 0.5
    expected = np.array([[np.cos(theta), -r * np.sin(theta)], [np.sin(theta), r * np.cos(theta)]])
    np.testing.assert_allclose(srcdiff.jacobian(polar_to_cartesian)(np.array([r, theta])), expected)


@pytest.mark.parametrize("function, args, wrt", [
    (vector_function, (np.array([0.3, -0.2, 0.5]), np.array([[1.0, 0.5, -0.3], [0.2, -1.0, 0.4]])), 0),
    (vector_function, (np.array([0.3, -0.2, 0.5]), np.array([[1.0, 0.5, -0.3], [0.2, -1.0, 0.4]])), 1),
    (looping_vector, (np.array([0.3, -1.2]),), 0),
])
def test_jacobian_matches_finite_differences(function, args, wrt):
    jacobian = srcdiff.jacobian(function, wrt=wrt)(*args)
    expected = numerical_jacobian(function, args, wrt)
    assert jacobian.shape == expected.shape == np.shape(function(*args)) + np.shape(args[wrt])
    np.testing.assert_allclose(jacobian, expected, rtol=1e-6, atol=1e-8)


def test_jacobian_with_several_inputs_gives_a_tuple():
    args = (np.array([0.3, -0.2, 0.5]), np.array([[1.0, 0.5, -0.3], [0.2, -1.0, 0.4]]))
    jx, ja = srcdiff.jacobian(vector_function, wrt=(0, 1))(*args)
    np.testing.assert_allclose(jx, numerical_jacobian(vector_function, args, 0), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ja, numerical_jacobian(vector_function, args, 1), rtol=1e-6, atol=1e-8)


def test_vjp_of_an_array_output_is_the_transposed_jacobian_product():
    args = (np.array([0.3, -0.2, 0.5]), np.array([[1.0, 0.5, -0.3], [0.2, -1.0, 0.4]]))
    output, pullback = srcdiff.vjp(vector_function, *args)
    np.testing.assert_allclose(output, vector_function(*args))
    cotangent = np.array([0.7, -1.3])
    expected = cotangent @ numerical_jacobian(vector_function, args, 0)
    np.testing.assert_allclose(pullback(cotangent), expected, rtol=1e-6, atol=1e-8)
    # the pullback can be called again, with another cotangent
    np.testing.assert_allclose(pullback(np.array([1.0, 0.0])),
                               numerical_jacobian(vector_function, args, 0)[0], rtol=1e-6, atol=1e-8)


def test_vjp_of_a_tuple_output_takes_a_tuple_cotangent():
    x, y = np.array([0.5, -1.0]), np.array([2.0, 3.0])
    (total, doubled), pullback = srcdiff.vjp(pair_output, x, y, wrt=(0, 1))
    assert total == pytest.approx(np.sum(x * y))
    np.testing.assert_allclose(doubled, x * 2.0)
    bx, by = pullback((1.0, np.array([1.0, -1.0])))
    np.testing.assert_allclose(bx, y + np.array([2.0, -2.0]))
    np.testing.assert_allclose(by, x)


def test_vjp_of_a_scalar_output_is_the_gradient():
    x = np.array([0.3, 0.9])
    output, pullback = srcdiff.vjp(lambda v: np.sum(np.sin(v)), x)
    np.testing.assert_allclose(pullback(2.0), 2.0 * np.cos(x))


def test_grad_and_value_and_grad_with_aux():
    w, X, y = np.array([0.1, 0.2]), np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), np.array([1.0, 2.0, 3.0])
    gradient, aux = srcdiff.grad(loss_with_aux, has_aux=True)(w, X, y)
    expected = numerical_gradient(lambda v: loss_with_aux(v, X, y)[0], (w,))
    np.testing.assert_allclose(gradient, expected, rtol=1e-6)
    assert aux["n"] == 3 and aux["max_error"] == pytest.approx(np.max(np.abs(X @ w - y)))
    (value, aux), gradient = srcdiff.value_and_grad(loss_with_aux, has_aux=True)(w, X, y)
    assert value == pytest.approx(loss_with_aux(w, X, y)[0])
    np.testing.assert_allclose(gradient, expected, rtol=1e-6)


def test_vjp_with_aux():
    w, X, y = np.array([0.1, 0.2]), np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 2.0])
    value, pullback, aux = srcdiff.vjp(loss_with_aux, w, X, y, has_aux=True)
    assert aux["n"] == 2
    np.testing.assert_allclose(pullback(1.0), srcdiff.grad(loss_with_aux, has_aux=True)(w, X, y)[0])


def test_has_aux_needs_a_pair():
    def not_a_pair(x):
        return x * 2.0

    with pytest.raises(TypeError, match="has_aux=True"):
        srcdiff.grad(not_a_pair, has_aux=True)(1.0)


def test_gradients_flow_through_dicts_but_not_through_dict_unpacking():
    def through_dict(x):
        d = {"a": x, "b": x**2}
        return d["a"] * 2.0 + d["b"]

    def through_unpacking(x):
        d = {"a": x}
        e = {**d, "b": 1.0}
        return e["a"] * 2.0

    assert srcdiff.grad(through_dict)(1.5) == pytest.approx(2.0 + 2 * 1.5)
    with pytest.raises(srcdiff.NoRuleError, match=r"\*\*"):
        srcdiff.grad(through_unpacking)(1.0)


# ---- forward mode ---------------------------------------------------------------------------------------


def branchy_loop(x, y):
    z = np.sin(x) * y
    for i in range(3):
        if np.sum(z) > 0.0:
            z = z * 0.5 + np.tanh(z)
        else:
            z = z - 0.1 * z * z
    return np.sum(z**2) + y @ x


def square_helper(a):
    return a * a


def calls_helper(x):
    return np.exp(square_helper(x)) / 2.0


def in_place_fill(x):
    y = np.zeros(3)
    for i in range(3):
        y[i] = x[i] * x[(i + 1) % 3]
    return y


@pytest.mark.parametrize("function, args", [
    (branchy_loop, (np.array([0.1, 0.2, 0.3]), np.array([1.0, 2.0, 0.5]))),
    (branchy_loop, (np.array([-0.4, 0.2, -0.3]), np.array([1.0, -2.0, 0.5]))),
    (calls_helper, (np.array([0.3, -0.5]),)),
    (in_place_fill, (np.array([0.3, -0.5, 0.8]),)),
    (polar_to_cartesian, (np.array([2.0, 0.5]),)),
])
def test_jvp_matches_finite_differences(function, args):
    rng = np.random.default_rng(1)
    tangents = tuple(rng.standard_normal(np.shape(a)) for a in args)
    output, tangent = srcdiff.jvp(function, args, tangents)
    np.testing.assert_allclose(output, function(*args))
    np.testing.assert_allclose(tangent, numerical_jvp(function, args, tangents), rtol=1e-5, atol=1e-8)


def test_jvp_with_a_constant_argument():
    x, y = np.array([0.1, 0.2, 0.3]), np.array([1.0, 2.0, 0.5])
    _, tangent = srcdiff.jvp(branchy_loop, (x, y), (np.ones(3), None))
    assert tangent == pytest.approx(np.sum(srcdiff.grad(branchy_loop)(x, y)))


@pytest.mark.parametrize("function, args", [
    (vector_function, (np.array([0.3, -0.2, 0.5]), np.array([[1.0, 0.5, -0.3], [0.2, -1.0, 0.4]]))),
    (polar_to_cartesian, (np.array([2.0, 0.5]),)),
    (looping_vector, (np.array([0.3, -1.2]),)),
    (in_place_fill, (np.array([0.3, -0.5, 0.8]),)),
])
def test_forward_and_reverse_jacobians_agree(function, args):
    forward = srcdiff.jacobian(function, mode="forward")(*args)
    reverse = srcdiff.jacobian(function, mode="reverse")(*args)
    np.testing.assert_allclose(forward, reverse, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(forward, numerical_jacobian(function, args, 0), rtol=1e-6, atol=1e-8)


def test_forward_mode_source_shows_tangents_beside_values():
    text = srcdiff.source(branchy_loop, mode="forward")
    assert text.startswith("def jvp_branchy_loop(x, y, dx):")
    # y is not varied: it may broadcast the tangent of sin(x) to z's shape
    assert "dz = _rt.tangent_like(d_t1 * y, z)" in text and "for i in " in text and "return " in text
    assert "_tape" not in text  # forward mode saves nothing


def test_user_forward_rule():
    import math

    def uses_gamma(x):
        return math.gamma(x) * 2.0

    srcdiff.defjvp(math.gamma)(lambda tangents, ans, x: tangents[0] * ans * 0.5)
    try:
        _, tangent = srcdiff.jvp(uses_gamma, (2.5,), (1.0,))
        assert tangent == pytest.approx(2.0 * math.gamma(2.5) * 0.5)
    finally:
        from srcdiff.rules import registry

        registry._RULES.pop(math.gamma, None)


def test_missing_forward_rule_is_a_located_error():
    from srcdiff.rules import registry

    def special(x):
        return x

    def uses_special(x):
        return special(x) * 2.0

    srcdiff.defvjp(special)(lambda g, ans, x: (g,))
    try:
        with pytest.raises(srcdiff.NoRuleError, match="defjvp") as info:
            srcdiff.jvp(uses_special, (1.0,), (1.0,))
        assert info.value.lineno == uses_special.__code__.co_firstlineno + 1
    finally:
        registry._RULES.pop(special, None)


# ---- second derivatives ---------------------------------------------------------------------------------


def quadratic_form(x, y):
    return x**2 + x * y + y**2


def quartic(x):
    return x**4 - 3 * x**3


def trigonometric(x):
    return np.sin(x) * np.cos(x)


def two_layer_loss(W1, b1, W2, X, y):
    h = np.tanh(X @ W1 + b1)
    out = h @ W2
    return np.mean((out - y) ** 2)


def rosenbrock(p):
    total = 0.0
    for i in range(len(p) - 1):
        total = total + 100.0 * (p[i + 1] - p[i] ** 2) ** 2 + (1.0 - p[i]) ** 2
    return total


def test_hessian_of_the_quadratic_form_is_constant():
    for point in [(1.0, 2.0), (-3.0, 0.5)]:
        blocks = srcdiff.hessian(quadratic_form, wrt=(0, 1))(*point)
        np.testing.assert_allclose(np.array(blocks, dtype=float), [[2.0, 1.0], [1.0, 2.0]])


@pytest.mark.parametrize("function, analytic, point", [
    (quartic, lambda x: 12 * x**2 - 18 * x, 2.0),
    (quartic, lambda x: 12 * x**2 - 18 * x, -0.7),
    (trigonometric, lambda x: -4 * np.sin(x) * np.cos(x), 0.3),
])
def test_grad_of_grad_against_the_analytic_second_derivative(function, analytic, point):
    assert srcdiff.grad(srcdiff.grad(function))(point) == pytest.approx(analytic(point), rel=1e-12)


def test_mixed_partial_derivative():
    assert srcdiff.grad(srcdiff.grad(quadratic_form), wrt=1)(1.0, 2.0) == pytest.approx(1.0)


def test_hessian_of_a_two_layer_network_against_differences_of_its_gradient():
    rng = np.random.default_rng(0)
    args = (rng.standard_normal((3, 4)) * 0.5, rng.standard_normal(4) * 0.1, rng.standard_normal(4) * 0.5,
            rng.standard_normal((6, 3)), rng.standard_normal(6))
    for position in (0, 1, 2):
        hessian = srcdiff.hessian(two_layer_loss, wrt=position)(*args)
        np.testing.assert_allclose(hessian, numerical_jacobian(srcdiff.grad(two_layer_loss, wrt=position), args, position),
                                   rtol=1e-5, atol=1e-8)


def test_hessian_of_a_loop():
    p = np.array([0.5, -0.3, 1.2, 0.8])
    np.testing.assert_allclose(srcdiff.hessian(rosenbrock)(p), numerical_jacobian(srcdiff.grad(rosenbrock), (p,)),
                               rtol=1e-5, atol=1e-6)


def test_hvp_does_not_build_the_hessian():
    rng = np.random.default_rng(2)
    args = (rng.standard_normal((3, 4)) * 0.5, rng.standard_normal(4) * 0.1, rng.standard_normal(4) * 0.5,
            rng.standard_normal((6, 3)), rng.standard_normal(6))
    v = rng.standard_normal((3, 4))
    product = srcdiff.hvp(two_layer_loss)(*args, v)
    full = srcdiff.hessian(two_layer_loss)(*args)
    np.testing.assert_allclose(product, np.tensordot(full, v, axes=2), rtol=1e-10, atol=1e-12)
    text = srcdiff.source(two_layer_loss, mode="hvp")
    assert text.startswith("def hvp_two_layer_loss(W1, b1, W2, X, y, dW1):")
    assert "dbW1" in text  # the tangent of the gradient: H v


def test_grad_of_a_vector_gradient_is_refused():
    with pytest.raises(srcdiff.NonScalarOutputError, match="hessian"):
        srcdiff.grad(srcdiff.grad(rosenbrock))(np.array([0.5, 0.2]))


def activation(z, scale=1.0):
    if scale > 0:
        return np.tanh(z) * scale
    return z


def dense(W, x):
    return activation(W @ x, 2.0)


def loss_with_calls(W, x):
    h = dense(W, x)
    total = 0.0
    for i in range(2):
        total = total + np.sum(activation(h * i) ** 2)
    return total


def recursive_square(x, n):
    if n == 0:
        return np.sum(x)
    return recursive_square(x * x, n - 1)


def test_hessian_through_calls_of_the_users_functions():
    rng = np.random.default_rng(4)
    args = (rng.standard_normal((2, 3)) * 0.5, rng.standard_normal(3))
    np.testing.assert_allclose(srcdiff.hessian(loss_with_calls)(*args),
                               numerical_jacobian(srcdiff.grad(loss_with_calls), args), rtol=1e-5, atol=1e-8)


def test_second_derivatives_through_recursion_are_refused():
    with pytest.raises(srcdiff.UnsupportedSyntaxError, match="recursive"):
        srcdiff.hessian(recursive_square)(np.array([0.5, 0.2]), 2)


def output_independent_of_x(x, M):
    x = np.sum(M, axis=0)
    return np.sum(x * M)


def test_second_derivatives_of_an_output_that_ignores_the_input():
    x, M = np.array([0.4, -0.7, 1.3]), np.array([[0.9, 1.2, 0.3], [0.7, 0.1, 1.3]])
    np.testing.assert_array_equal(srcdiff.hvp(output_independent_of_x)(x, M, np.ones(3)), np.zeros(3))
    np.testing.assert_array_equal(srcdiff.hessian(output_independent_of_x)(x, M), np.zeros((3, 3)))


def with_default(x, scale=2.0):
    return np.sum(scale * x**3)


def test_transforms_of_a_function_with_a_default_argument():
    x = np.array([1.0, -2.0])
    np.testing.assert_allclose(srcdiff.hessian(with_default)(x), np.diag(12.0 * x))
    np.testing.assert_allclose(srcdiff.hvp(with_default)(x, np.ones(2)), 12.0 * x)
    _, tangent = srcdiff.jvp(with_default, (x,), (np.ones(2),))
    assert tangent == pytest.approx(np.sum(6.0 * x**2))
    assert srcdiff.grad(srcdiff.grad(lambda t, k=3.0: k * t**3))(2.0) == pytest.approx(36.0)
