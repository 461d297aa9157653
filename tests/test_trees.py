"""Parameter trees: gradients with respect to dicts, lists and tuples (nested, of arrays and numbers) have the
structure of the parameter; dicts work as values inside functions too; srcdiff.tree takes trees apart and puts
them back together.

Every gradient is checked against central differences over all the leaves at once, through ``tree.ravel``.
"""

import dataclasses
from collections import namedtuple

import numpy as np
import pytest

import srcdiff
from srcdiff import testing, tree

RNG = np.random.default_rng(7)
Layer = namedtuple("Layer", "W b")


def mlp(params, X, y):
    h = X
    for W, b in params[:-1]:
        h = np.tanh(h @ W + b)
    W, b = params[-1]
    return np.mean((h @ W + b - y) ** 2)


def affine(params, x):
    W, b = params
    return np.sum(np.sin(W @ x + b))


def polynomial(coefficients, x):
    total = 0.0
    for power in range(len(coefficients)):
        total = total + coefficients[power] * x**power
    return total


def nested(weights, x):
    (a, b), c = weights
    return np.sum(a * x) + b * c[0] - c[1] ** 2


def dict_mlp(params, X, y):
    h = np.tanh(X @ params["W1"] + params["b1"])
    out = params["out"]
    return np.mean((h @ out["W"] + out["b"] - y) ** 2)


def weight_decay(params, scale):
    total = 0.0
    for name, value in params.items():
        if name not in ("skip", "nested"):
            total = total + scale * np.sum(value**2)
    for value in params["nested"].values():
        total = total + np.sum(np.sin(value))
    return total


def two_loops_over_one_list(weights, x):
    total = 0.0
    for w in weights:
        total = total + np.sum(w * x)
    for w in weights:
        total = total + np.sum(w**2)
    return total


def defaults_by_get(params, x):
    return params.get("scale", 1.0) * x + params.get("missing", x) * 2.0 + params.get("scale") ** 2


def _layer(h, layer):
    return np.tanh(h @ layer["W"] + layer["b"])


def layers_of_dicts(params, X):
    h = X
    for layer in params["layers"]:
        h = _layer(h, layer)
    return np.sum(h**2)


def built_inside(x, w):
    state = {"a": x * w, "b": np.sin(x)}
    state["c"] = state["a"] * state["b"]
    state["a"] = state["a"] + 1.0
    return np.sum(state["a"] * state["c"])


def _dict_params():
    return {
        "W1": 0.5 * RNG.standard_normal((3, 4)),
        "b1": 0.1 * RNG.standard_normal(4),
        "out": {"W": RNG.standard_normal((4, 2)), "b": 0.2},
    }


def _layers(sizes, kind=tuple):
    return [
        (
            kind((0.5 * RNG.standard_normal((m, n)), 0.1 * RNG.standard_normal(n)))
            if kind is tuple
            else Layer(0.5 * RNG.standard_normal((m, n)), 0.1 * RNG.standard_normal(n))
        )
        for m, n in zip(sizes[:-1], sizes[1:])
    ]


def _assert_tree_gradient(function, args, position, gradient):
    """``gradient`` has the structure of ``args[position]`` and agrees with central differences."""
    vector, unravel = tree.ravel(args[position])

    def flat(v):
        return function(*args[:position], unravel(v), *args[position + 1 :])

    assert tree.flatten(gradient)[1] == tree.flatten(args[position])[1]
    for g, x in zip(tree.leaves(gradient), tree.leaves(args[position])):
        assert np.shape(g) == np.shape(x) and isinstance(g, type(x))
    numeric = testing.numerical_gradient(flat, (vector,), 0)
    np.testing.assert_allclose(tree.ravel(gradient)[0], numeric, rtol=1e-6, atol=1e-8)


CASES = {
    "mlp, a list of (W, b) tuples": (
        mlp,
        lambda: (_layers([3, 4, 2]), RNG.standard_normal((5, 3)), RNG.standard_normal((5, 2))),
    ),
    "mlp, a list of named tuples": (
        mlp,
        lambda: (
            _layers([3, 4, 4, 1], Layer),
            RNG.standard_normal((6, 3)),
            RNG.standard_normal((6, 1)),
        ),
    ),
    "a tuple unpacked": (
        affine,
        lambda: ((RNG.standard_normal((2, 3)), RNG.standard_normal(2)), RNG.standard_normal(3)),
    ),
    "a list of floats": (polynomial, lambda: ([1.0, -2.0, 0.5, 0.25], 1.3)),
    "nested tuples and lists": (
        nested,
        lambda: (((RNG.standard_normal(3), 0.7), [1.5, -0.4]), RNG.standard_normal(3)),
    ),
    "a dict of arrays and a nested dict": (
        dict_mlp,
        lambda: (_dict_params(), RNG.standard_normal((5, 3)), RNG.standard_normal((5, 2))),
    ),
    "items() and values() of dicts": (
        weight_decay,
        lambda: (
            {
                "W": RNG.standard_normal((2, 2)),
                "skip": np.ones(2),
                "nested": {"u": RNG.standard_normal(3), "v": 0.3},
            },
            0.1,
        ),
    ),
    "a list of dicts read by a helper": (
        layers_of_dicts,
        lambda: (
            {
                "layers": [
                    {"W": 0.5 * RNG.standard_normal((2, 3)), "b": np.zeros(3)},
                    {"W": 0.5 * RNG.standard_normal((3, 1)), "b": np.ones(1)},
                ]
            },
            RNG.standard_normal((4, 2)),
        ),
    ),
    "two loops over one list": (
        two_loops_over_one_list,
        lambda: ([RNG.standard_normal(2), RNG.standard_normal(2)], RNG.standard_normal(2)),
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_gradients_of_trees_have_their_structure_and_agree_with_differences(case):
    function, make = CASES[case]
    args = make()
    _assert_tree_gradient(function, args, 0, srcdiff.grad(function)(*args))


def test_value_and_grad_with_a_tree_and_an_array():
    args = (_layers([2, 3, 1]), RNG.standard_normal((4, 2)), RNG.standard_normal((4, 1)))
    value, (g_params, g_X) = srcdiff.value_and_grad(mlp, wrt=("params", "X"))(*args)
    assert value == pytest.approx(mlp(*args))
    _assert_tree_gradient(mlp, args, 0, g_params)
    np.testing.assert_allclose(g_X, testing.numerical_gradient(mlp, args, 1), rtol=1e-6, atol=1e-8)


def test_vjp_with_respect_to_a_tree():
    args = ((RNG.standard_normal((2, 3)), RNG.standard_normal(2)), RNG.standard_normal(3))
    output, pullback = srcdiff.vjp(affine, *args)
    gradient = pullback(1.0)
    assert output == pytest.approx(affine(*args))
    _assert_tree_gradient(affine, args, 0, gradient)


def test_gradients_of_trees_are_fresh_arrays():
    params = [(np.ones((2, 2)), np.zeros(2))]

    def identity_sum(params):
        W, b = params[0]
        return np.sum(W) + np.sum(b)

    gradient = srcdiff.grad(identity_sum)(params)
    for g, x in zip(tree.leaves(gradient), tree.leaves(params)):
        assert g.flags.writeable and not np.may_share_memory(g, x)


def test_a_dict_built_and_updated_inside_the_function():
    x, w = RNG.standard_normal(3), 0.7
    gradient = srcdiff.grad(built_inside, wrt=(0, 1))(x, w)
    numeric = (
        testing.numerical_gradient(built_inside, (x, w), 0),
        testing.numerical_gradient(built_inside, (x, w), 1),
    )
    for g, n in zip(gradient, numeric):
        np.testing.assert_allclose(g, n, rtol=1e-6, atol=1e-8)
    _, tangent = srcdiff.jvp(built_inside, (x, w), (np.ones(3), 0.0))
    assert tangent == pytest.approx(float(np.sum(numeric[0])), rel=1e-6)


def test_get_sends_the_cotangent_to_the_key_or_to_the_default():
    args = ({"scale": 2.0}, 1.5)
    result = testing.check_grad(defaults_by_get, *args, wrt=(0, 1))
    assert result.ok, str(result)


def test_a_method_srcdiff_cannot_look_up_is_refused_where_its_object_is_differentiated():
    def to_list(params, x):
        return np.sum(params["W"].tolist()) * x

    with pytest.raises(srcdiff.NoRuleError, match="tolist"):
        srcdiff.grad(to_list)({"W": np.ones(2)}, 1.0)


def test_the_same_gradient_takes_arrays_then_trees_then_arrays():
    def loss(params, x):
        return np.sum(params[0] * x) + np.sum(params[1] ** 2)

    gradient = srcdiff.grad(loss)
    x = np.array([1.0, 2.0])
    first = gradient(np.array([[0.5, 0.5], [1.0, -1.0]]), x)
    tree_gradient = gradient([np.array([0.5, 0.5]), np.array([1.0, -1.0])], x)
    again = gradient(np.array([[0.5, 0.5], [1.0, -1.0]]), x)
    np.testing.assert_allclose(first, [x, [2.0, -2.0]])
    np.testing.assert_allclose(again, first)
    assert isinstance(tree_gradient, list)
    np.testing.assert_allclose(tree_gradient[1], [2.0, -2.0])


def test_leaves_that_are_not_floats_are_constants_with_no_gradient():
    def scaled(params, x):
        total = 0.0
        for power in range(params["degree"]):
            total = total + params["weights"][power] * x**power
        return total * (2.0 if params["name"] == "double" else 1.0)

    params = {"degree": 3, "name": "double", "weights": [1.0, 2, np.array(0.5)]}
    gradient = srcdiff.grad(scaled)(params, 1.5)
    assert gradient["degree"] is None and gradient["name"] is None and gradient["weights"][1] is None
    result = testing.check_grad(scaled, params, 1.5, wrt=(0, 1))
    assert result.ok, str(result)
    with pytest.raises(srcdiff.InputTypeError, match="integer"):
        srcdiff.grad(polynomial, wrt=1)([1.0, 2.0], 2)  # a whole argument must still be a float


def test_check_grad_and_numerical_gradient_take_trees(monkeypatch):
    args = (_dict_params(), RNG.standard_normal((5, 3)), RNG.standard_normal((5, 2)))
    numeric = testing.numerical_gradient(dict_mlp, args, 0)
    assert tree.flatten(numeric)[1] == tree.flatten(args[0])[1]
    result = testing.check_grad(dict_mlp, *args)
    assert result.ok, str(result)
    # a gradient off in one leaf fails the check
    right = srcdiff.grad

    def off_by_one_leaf(fun, wrt):
        def gradient(*a):
            (g,) = right(fun, wrt=wrt)(*a)
            return (tree.tree_map(lambda leaf: leaf, g) | {"b1": g["b1"] + 1e-3},)

        return gradient

    monkeypatch.setattr(testing, "_grad", off_by_one_leaf)
    assert not testing.check_grad(dict_mlp, *args).ok


# ---- srcdiff.tree -----------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Model:
    weights: np.ndarray
    scale: float
    name: str = "model"


TREES = {
    "dict": {"b": np.arange(3.0), "a": 2.0},
    "list of tuples": [(np.ones((2, 2)), 1.0), (np.zeros(1), -1.0)],
    "named tuple": Layer(np.eye(2), np.ones(2)),
    "dataclass": Model(np.ones(3), 0.5),
    "None inside": {"x": None, "y": [1.0, None]},
    "a leaf": np.ones(2),
}


@pytest.mark.parametrize("name", TREES)
def test_flatten_then_unflatten_gives_the_tree_back(name):
    value = TREES[name]
    leaves, structure = tree.flatten(value)
    rebuilt = tree.unflatten(structure, leaves)
    assert type(rebuilt) is type(value)
    assert tree.flatten(rebuilt)[1] == structure
    for a, b in zip(tree.leaves(rebuilt), leaves):
        assert a is b


def test_dict_leaves_come_by_sorted_key_and_the_dict_keeps_its_order():
    leaves, structure = tree.flatten({"b": 1.0, "a": 2.0})
    assert leaves == [2.0, 1.0]
    assert list(tree.unflatten(structure, [3.0, 4.0])) == ["b", "a"]
    assert tree.flatten({"a": 0.0, "b": 0.0})[1] == structure


def test_tree_map_steps_every_leaf_and_needs_one_structure():
    params = {"W": np.ones(2), "layers": [(1.0, 2.0)]}
    stepped = tree.tree_map(lambda p, g: p - 0.5 * g, params, params)
    np.testing.assert_array_equal(stepped["W"], 0.5 * np.ones(2))
    assert stepped["layers"] == [(0.5, 1.0)]
    with pytest.raises(ValueError, match="one structure"):
        tree.tree_map(lambda p, g: p, params, {"W": 1.0})


def test_ravel_keeps_shapes_and_dtypes():
    value = {"a": np.ones((2, 3), dtype=np.float32), "b": 1.5, "c": [np.arange(2.0)]}
    vector, unravel = tree.ravel(value)
    assert vector.shape == (9,) and vector.dtype == float
    back = unravel(vector * 2)
    assert back["a"].dtype == np.float32 and back["a"].shape == (2, 3)
    assert type(back["b"]) is float and back["b"] == 3.0
    np.testing.assert_array_equal(back["c"][0], [0.0, 2.0])
    with pytest.raises(ValueError):
        unravel(np.zeros(3))


@pytest.mark.parametrize(
    "case",
    [
        "mlp, a list of (W, b) tuples",
        "a dict of arrays and a nested dict",
        "a list of dicts read by a helper",
    ],
)
def test_jvp_along_a_tree_is_the_gradient_dotted_with_it(case):
    function, make = CASES[case]
    args = make()
    direction = tree.tree_map(
        lambda leaf: RNG.standard_normal(np.shape(leaf)) + 0.0 * leaf, args[0]
    )
    value, tangent = srcdiff.jvp(function, args, (direction,) + (None,) * (len(args) - 1))
    assert value == pytest.approx(function(*args))
    numeric = tree.ravel(testing.numerical_gradient(function, args, 0))[0]
    assert tangent == pytest.approx(
        float(np.dot(numeric, tree.ravel(direction)[0])), rel=1e-6, abs=1e-9
    )


def test_a_tangent_of_another_structure_is_refused():
    params = {"W": np.ones(2), "b": 0.5}
    with pytest.raises(srcdiff.SrcdiffError, match="structure"):
        srcdiff.jvp(
            dict_mlp, (params, np.ones((1, 2)), np.ones((1, 1))), ({"W": np.ones(2)}, None, None)
        )


@pytest.mark.parametrize(
    "case",
    ["mlp, a list of (W, b) tuples", "a dict of arrays and a nested dict", "a list of floats"],
)
def test_hvp_along_a_tree_is_the_derivative_of_the_gradient(case):
    function, make = CASES[case]
    args = make()
    direction = tree.tree_map(
        lambda leaf: RNG.standard_normal(np.shape(leaf)) + 0.0 * leaf, args[0]
    )
    product = srcdiff.hvp(function)(*args, direction)
    assert tree.flatten(product)[1] == tree.flatten(args[0])[1]
    vector, unravel = tree.ravel(args[0])

    def flat_gradient(v):
        return tree.ravel(srcdiff.grad(function)(unravel(v), *args[1:]))[0]

    numeric = testing.numerical_jacobian(flat_gradient, (vector,), 0) @ tree.ravel(direction)[0]
    np.testing.assert_allclose(tree.ravel(product)[0], numeric, rtol=1e-5, atol=1e-7)


def test_matrices_of_derivatives_refuse_trees_with_what_to_use():
    with pytest.raises(srcdiff.InputTypeError, match="hvp"):
        srcdiff.hessian(polynomial)([1.0, 2.0], 0.5)
    with pytest.raises(srcdiff.InputTypeError, match="ravel"):
        srcdiff.jacobian(polynomial)([1.0, 2.0], 0.5)


def test_ravel_keeps_constant_leaves_out_of_the_vector():
    vector, unravel = tree.ravel({"a": 1.0, "n": 3, "name": "x", "w": np.arange(2.0)})
    np.testing.assert_array_equal(vector, [1.0, 0.0, 1.0])
    back = unravel(vector + 1.0)
    assert back["n"] == 3 and back["name"] == "x" and back["a"] == 2.0
    np.testing.assert_array_equal(back["w"], [1.0, 2.0])
