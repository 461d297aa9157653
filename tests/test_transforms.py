"""vjp, jacobian and has_aux, checked against finite differences and closed forms."""

import numpy as np
import pytest

import srcdiff
from srcdiff.testing import numerical_grad


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


def numerical_jacobian(fun, args, position, eps=1e-6):
    """Central differences, one input element at a time: output shape + input shape."""
    x = np.asarray(args[position], dtype=float)
    columns = []
    for index in np.ndindex(*x.shape):
        step = np.zeros_like(x)
        step[index] = eps
        plus = list(args)
        minus = list(args)
        plus[position], minus[position] = x + step, x - step
        columns.append((np.asarray(fun(*plus)) - np.asarray(fun(*minus))) / (2 * eps))
    out_shape = np.shape(fun(*args))
    return np.moveaxis(np.array(columns), 0, -1).reshape(out_shape + x.shape)


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
    expected = numerical_grad(lambda v: loss_with_aux(v, X, y)[0], (w,), 0)
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


def test_a_dict_in_the_differentiated_path_is_refused():
    def through_dict(x):
        d = {"a": x}
        return d["a"] * 2.0

    with pytest.raises(srcdiff.NoRuleError, match="dict"):
        srcdiff.grad(through_dict)(1.0)
