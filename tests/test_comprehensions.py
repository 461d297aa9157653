"""List and dict comprehensions and generator expressions, written as the loops they stand for; each gradient is
checked against central differences, in reverse mode, forward mode and second order."""

import numpy as np
import pytest

import srcdiff
from srcdiff import testing

RNG = np.random.default_rng(11)


def squares_of_positive(ws, x):
    ys = [w * x for w in ws if w > 0]
    return sum(ys) + sum(y**2 for y in ys)


def layer_outputs(Ws, h):
    outputs = [np.tanh(W @ h) for W in Ws]
    return sum(np.sum(o**2) for o in outputs)


def nested_rows(m, x):
    rows = [[v * x for v in row] for row in m]
    return np.sum(np.array(rows) ** 2)


def over_a_range(x):
    return np.sum(np.stack([x[i] * x[i + 1] for i in range(len(x) - 1)]))


def two_fors_and_a_filter(xs, ys):
    pairs = [a * b for a in xs for b in ys if a != b]
    return max(pairs) + sum(pairs)


def dict_of_scaled(params):
    scaled = {name: 2.0 * value for name, value in params.items()}
    return sum(np.sum(value**2) for value in scaled.values())


def keeps_its_own_names(x):
    v = 3.0
    total = sum([v * x for v in range(3)])  # this v is the comprehension's
    return total * v  # and this one the function's: 3.0


def reads_the_name_it_rebinds(x):
    xs = [x, 2.0 * x, x**2]
    xs = [v * xs[0] for v in xs]
    return sum(xs)


def loops_over_a_generator(x):
    total = 0.0
    for square in (v * v for v in [x, 2.0 * x]):
        total = total + square
    return total


CASES = {
    "filter and a generator in sum": (squares_of_positive, lambda: ([1.0, -2.0, 3.0], 1.5)),
    "a list of matrices": (
        layer_outputs,
        lambda: ([RNG.standard_normal((2, 3)) for _ in range(3)], RNG.standard_normal(3)),
    ),
    "nested": (nested_rows, lambda: ([[1.0, 2.0], [3.0, -1.0]], 0.7)),
    "over a range, indexing an array": (over_a_range, lambda: (RNG.standard_normal(5),)),
    "two fors and a filter, max": (two_fors_and_a_filter, lambda: ([0.5, 1.5, -1.0], [2.0, 0.25])),
    "dict comprehension over items()": (
        dict_of_scaled,
        lambda: ({"a": RNG.standard_normal(2), "b": 0.5},),
    ),
    "its own names": (keeps_its_own_names, lambda: (1.3,)),
    "reads the name it rebinds": (reads_the_name_it_rebinds, lambda: (0.8,)),
    "a loop over a generator": (loops_over_a_generator, lambda: (0.6,)),
}


@pytest.mark.parametrize("case", CASES)
def test_reverse_mode_agrees_with_differences(case):
    function, make = CASES[case]
    args = make()
    assert function(*args) == pytest.approx(function(*args))
    for position in range(len(args)):
        result = testing.check_grad(function, *args, wrt=position)
        assert result.ok, f"argument {position}:\n{result}"


@pytest.mark.parametrize(
    "case", ["over a range, indexing an array", "its own names", "reads the name it rebinds"]
)
def test_forward_mode_and_hessians_agree_with_differences(case):
    function, make = CASES[case]
    (x,) = make()
    tangent = np.ones_like(x) if np.ndim(x) else 1.0
    value, derivative = srcdiff.jvp(function, (x,), (tangent,))
    assert value == pytest.approx(function(x))
    assert derivative == pytest.approx(
        float(np.sum(testing.numerical_gradient(function, (x,), 0) * tangent)), rel=1e-6
    )
    hessian = srcdiff.hessian(function)(x)
    numeric = testing.numerical_jacobian(srcdiff.grad(function), (x,), 0)
    np.testing.assert_allclose(hessian, numeric, rtol=1e-5, atol=1e-6)


def test_the_generated_code_shows_the_loop():
    text = srcdiff.source(squares_of_positive, stage="normalized")
    assert "ys = []" in text and "ys.append(" in text or "_rt.append(ys" in text, text
    assert "for " in text and "[" not in text.split("ys = []")[1].split("\n")[0]
