"""Never silently wrong: programs whose gradients were once wrong or raised internal errors.

Each case is checked against central finite differences, or must raise a located srcdiff error. They are grouped
by the mechanism that was at fault, not by symptom.
"""

import math

import numpy as np
import pytest

import srcdiff
from srcdiff import testing

# ---- cotangents of containers are summed item by item, never concatenated -----------------------------------


def first_squared(xs):
    return np.sum(xs[0] ** 2)


def uses_twice(xs):
    return first_squared(xs) + first_squared(xs)


def tuple_reaches_a_helper_twice(a, b):
    return uses_twice((a, b))


def list_reaches_a_helper_twice(a, b):
    return uses_twice([a, b]) * 3.0


def both_items(xs):
    return np.sum(xs[0] * xs[1])


def tuple_used_by_two_helpers(a, b):
    pair = (a, b)
    return both_items(pair) + first_squared(pair)


@pytest.mark.parametrize(
    "function",
    [tuple_reaches_a_helper_twice, list_reaches_a_helper_twice, tuple_used_by_two_helpers],
)
def test_container_cotangents_add_item_by_item(function):
    a, b = np.array([1.0, 2.0]), np.array([0.5, -1.5])
    testing.assert_grad(function, a, b, wrt=(0, 1))


# ---- calls run as often as in the original, whether or not their result is read -------------------------------

CALLS = []


def log_it(value):
    CALLS.append(value)


def result_assigned_to_underscore(x):
    _ = log_it(x)
    return np.sum(x**2)


def result_assigned_and_never_read(x):
    unused = log_it(x)
    return np.sum(x**2)


def called_in_a_loop(x):
    total = 0.0
    for i in range(3):
        _ = log_it(i)
        total = total + np.sum(x * i)
    return total


@pytest.mark.parametrize(
    "function, calls",
    [
        (result_assigned_to_underscore, 1),
        (result_assigned_and_never_read, 1),
        (called_in_a_loop, 3),
    ],
)
def test_calls_whose_result_is_unused_still_run(function, calls):
    x = np.array([1.0, 2.0])
    gradient = srcdiff.grad(function)
    CALLS.clear()
    gradient(x)
    assert len(CALLS) == calls
    testing.assert_grad(function, x)


def prints(x):
    _ = print("step")
    return np.sum(x**2)


def test_print_in_the_function_prints_in_the_gradient(capsys):
    srcdiff.grad(prints)(np.array([1.0, 2.0]))
    assert capsys.readouterr().out == "step\n"


def test_pure_calls_whose_result_is_unused_are_still_removed():
    def f(x):
        unused = np.exp(x)
        return np.sum(x**2)

    assert "exp" not in srcdiff.source(f)


# ---- numpy's copies stay copies, and values live as long as the backward sweep reads them ---------------------


def copy_by_multiplying_then_write(x):
    v = x * 1.0
    v[0] = 5.0
    return np.sum(v * x)


def copy_by_adding_zero(u):
    return u + 0.0


def helper_copy_then_write(x):
    v = copy_by_adding_zero(x)
    v[1] = 2.0
    return np.sum(v * x)


def swap_then_write(w, x):
    w, x = x, w
    x[0] = 5.0
    return np.sum(w * x)


def constant_changed_in_place_in_a_loop(x):
    c = np.ones(3)
    s = 0.0
    for k in range(1, 3):
        s = s + np.sum(x * c)
        c[k - 1] = 2.0
    return s


def index_computed_in_the_loop(x):
    y = x * 1.0
    for k in range(2):
        j = 2 - k
        y[j] = y[j - 1] * x[j]
    return np.sum(y**2)


@pytest.mark.parametrize(
    "function",
    [
        copy_by_multiplying_then_write,
        helper_copy_then_write,
        constant_changed_in_place_in_a_loop,
        index_computed_in_the_loop,
    ],
)
def test_in_place_updates_of_copies(function):
    x = np.array([1.0, 2.0, 3.0])
    kept = x.copy()
    srcdiff.grad(function)(x)
    np.testing.assert_array_equal(x, kept)  # the caller's array is untouched
    testing.assert_grad(function, x)


def test_a_swap_then_an_in_place_write_writes_into_the_right_array():
    w, x = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    gradients = srcdiff.grad(swap_then_write, wrt=(0, 1))(w.copy(), x.copy())
    numeric = [testing.numerical_gradient(swap_then_write, (w.copy(), x.copy()), p) for p in (0, 1)]
    for gradient, expected in zip(gradients, numeric):
        np.testing.assert_allclose(gradient, expected, rtol=1e-6)


# ---- loops whose counters nothing differentiable depends on --------------------------------------------------


def while_loop_with_nothing_active(x):
    n = 0
    while n < 3:
        n += 1
    return x * 2.0


def for_loop_with_a_break_and_nothing_active(x):
    for i in range(3):
        if i == 1:
            break
    return x * 2.0


@pytest.mark.parametrize(
    "function", [while_loop_with_nothing_active, for_loop_with_a_break_and_nothing_active]
)
def test_loops_without_active_values(function):
    testing.assert_grad(function, 1.5)


# ---- aliases and views: an update another live name would see is refused, with its line ----------------------


def alias_then_augmented_update(x):
    y = x * 2.0
    z = y
    y += x  # MARK
    return np.sum(z * x)


def view_by_reshape_then_update(w):
    w = w * 1.0
    v = w.reshape(-1)
    v -= 1.0  # MARK
    return np.sum(w**2)


def slice_view_read_after_write(x):
    x = x * 1.0
    v = x[:]
    x[0] = 5.0  # MARK
    return np.sum(v * v)


def row_view_read_after_write(x):
    m = np.outer(x, x)
    row = m[0]
    m[0, 1] = 0.0  # MARK
    return np.sum(row * x)


def helper_that_scales_in_place(y):
    y *= 2.0


def call_that_updates_its_argument(x):
    y = x * 1.0
    helper_that_scales_in_place(y)  # MARK
    return np.sum(y)


def _marked_line(function):
    import inspect

    lines, first = inspect.getsourcelines(function)
    return first + next(i for i, line in enumerate(lines) if "# MARK" in line)


@pytest.mark.parametrize(
    "function",
    [
        alias_then_augmented_update,
        view_by_reshape_then_update,
        slice_view_read_after_write,
        row_view_read_after_write,
        call_that_updates_its_argument,
    ],
)
def test_updates_seen_through_another_name_are_refused_where_they_are(function):
    with pytest.raises(srcdiff.UnsupportedSyntaxError) as caught:
        srcdiff.grad(function)(np.array([1.0, 2.0, 3.0]))
    assert caught.value.filename == __file__
    assert caught.value.lineno == _marked_line(function)


def float_alias_then_augmented_update(x):
    total = x * 2.0
    old = total
    total += x
    return total * old


def recurrence_in_place(x):
    y = x * 1.0
    for i in range(1, 3):
        y[i] = y[i - 1] * x[i]
    return np.sum(y)


def row_read_before_the_write(x):
    h = np.zeros((3, 3))
    h[0] = x
    for t in range(1, 3):
        previous = h[t - 1]
        h[t] = np.tanh(previous * x)
    return np.sum(h)


def item_read_then_array_written(x):
    y = x * 1.0
    first = y[0]
    y[0] = 3.0
    return np.sum(y * x) * first


def bare_call_for_its_effect(x):
    log_it(x)
    return np.sum(x**2)


@pytest.mark.parametrize(
    "function, point",
    [
        (float_alias_then_augmented_update, 1.5),
        (recurrence_in_place, np.array([0.5, 1.5, -1.0])),
        (row_read_before_the_write, np.array([0.5, 1.5, -1.0])),
        (item_read_then_array_written, np.array([0.5, 1.5])),
        (bare_call_for_its_effect, np.array([0.5, 1.5])),
    ],
)
def test_updates_that_no_other_live_name_sees(function, point):
    testing.assert_grad(function, point)


# ---- returned gradients are the caller's to keep: fresh, writable, none sharing memory --------------------------


def sum_of_both(a, b):
    return np.sum(a + b)


def sum_times(x, y):
    return np.sum(x * y)


def test_gradients_are_fresh_writable_arrays():
    a, b = np.ones(3), np.ones(3)
    ga, gb = srcdiff.grad(sum_of_both, wrt=(0, 1))(a, b)
    assert not np.shares_memory(ga, gb)
    ga *= 0.5  # a step of gradient descent on one does not change the other
    np.testing.assert_array_equal(gb, np.ones(3))
    g = srcdiff.grad(lambda x: np.sum(x))(np.ones((2, 2)))
    g *= 2.0
    np.testing.assert_array_equal(g, np.full((2, 2), 2.0))
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    gx, gy = srcdiff.grad(sum_times, wrt=(0, 1))(x, y)
    gx *= 10.0
    np.testing.assert_array_equal(y, [3.0, 4.0])
    np.testing.assert_array_equal(x, [1.0, 2.0])


# ---- the rest of the mechanisms: lists of lists, second order through loops, printing, depth ------------------


def list_of_lists(x):
    rows = []
    for i in range(2):
        row = []
        for j in range(3):
            row.append(x[j] * (i + 1.0))
        rows.append(row)
    return rows[1][2] * rows[0][1]


def test_lists_built_in_nested_loops():
    testing.assert_grad(list_of_lists, np.array([1.0, 2.0, 3.0]))


def summed_in_a_loop(x):
    s = 0.0
    for i in range(3):
        s = s + x * x
    return s


def calls_a_helper_with_a_loop(x):
    return summed_in_a_loop(x)


def test_second_derivative_through_a_helper_with_a_loop():
    second = srcdiff.grad(srcdiff.grad(calls_a_helper_with_a_loop))
    first = srcdiff.grad(calls_a_helper_with_a_loop)
    assert second(2.0) == pytest.approx(
        testing.numerical_jvp(first, (2.0,), (1.0,), eps=1e-5), rel=1e-6
    )


def test_third_derivatives_are_refused_with_a_clear_error():
    with pytest.raises(srcdiff.SrcdiffError, match="third derivatives"):
        srcdiff.grad(srcdiff.grad(srcdiff.grad(summed_in_a_loop)))


def doubled_in_place_then_indexed_with_ellipsis(w):
    w = w * 1.0
    w += w
    return np.sum(w[..., 0] ** 2)


def test_an_expression_folded_into_a_subscript_keeps_its_parentheses():
    # the optimiser folds w + w into (w + w)[..., 0]; text printed for an earlier stage must not lose them
    testing.assert_grad(
        doubled_in_place_then_indexed_with_ellipsis, np.array([[0.3, -0.2], [1.0, 0.5]])
    )


def test_a_sum_of_hundreds_of_terms(tmp_path, monkeypatch):
    path = tmp_path / "long_sum.py"
    path.write_text("def f(x):\n    return " + " + ".join(f"x * {i}.5" for i in range(250)) + "\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import long_sum

    testing.assert_grad(long_sum.f, 0.7)


# ---- repeated positions in an in-place update: numpy writes once, the last write wins --------------------------


def repeated_index_subtracted(s, m):
    y = m.copy()
    y[[1, 1]] -= s
    return np.sum(y**2)


def repeated_index_assigned(x):
    y = np.zeros(4)
    y[[0, 2, 0]] = x * np.array([1.0, 2.0, 3.0])
    return np.sum(y * np.arange(1.0, 5.0))


def repeated_index_from_a_name(x):
    y = np.ones(3)
    positions = np.array([2, 0, 2])
    y[positions] = x * 2.0
    return np.sum(np.sin(y))


@pytest.mark.parametrize(
    "function, args",
    [
        (repeated_index_subtracted, (0.5, np.arange(6.0).reshape(2, 3))),
        (repeated_index_assigned, (np.array([1.0, 2.0, 3.0]),)),
        (repeated_index_from_a_name, (np.array([0.3, -0.4, 0.9]),)),
    ],
)
def test_updates_at_repeated_positions(function, args):
    testing.assert_grad(function, *args)


def parenthesised_sum_indexed(s, m):
    c = (m + m)[0]
    return np.sum(c * s)


def test_an_indexed_sum_of_constants_keeps_its_parentheses():
    testing.assert_grad(parenthesised_sum_indexed, 0.5, np.arange(6.0).reshape(2, 3))


# ---- forward mode: a tangent has its result's shape, however the constant operands broadcast ------------------


def broadcast_by_a_constant(x, s, m, r):
    return np.sum(r + m)


def unpacked_difference(x, s, m, r):
    u, v, w = x - s
    return u * v


def list_of_broadcast_sums(x, s, m, r):
    items = []
    items.append(x + r[0, 0])
    return np.sum(items)


@pytest.mark.parametrize(
    "function, varied",
    [(broadcast_by_a_constant, 3), (unpacked_difference, 1), (list_of_broadcast_sums, 3)],
)
def test_forward_mode_broadcasts_tangents_of_broadcast_operands(function, varied):
    args = (
        np.array([0.3, -0.5, 1.2]),
        0.7,
        np.arange(6.0).reshape(2, 3) * 0.1,
        np.array([[0.1, 0.4, -0.3]]),
    )
    tangents = [None] * 4
    tangents[varied] = np.ones_like(args[varied]) if isinstance(args[varied], np.ndarray) else 1.0
    _, tangent = srcdiff.jvp(function, args, tuple(tangents))
    assert tangent == pytest.approx(testing.numerical_jvp(function, args, tangents), rel=1e-6)


# ---- a function must return a number: None is an error, never a zero gradient ---------------------------------


def returns_none(x):
    y = x * 2.0
    return None


def returns_on_one_path_only(x):
    if x > 0:
        return x * 2.0


def test_returning_none_is_a_located_error():
    with pytest.raises(srcdiff.UnsupportedSyntaxError, match="returns None") as caught:
        srcdiff.grad(returns_none)(1.5)
    assert caught.value.filename == __file__


@pytest.mark.parametrize("point", [-1.0, np.float64(-1.0)])
def test_a_path_without_a_return_is_an_error_when_taken(point):
    assert srcdiff.grad(returns_on_one_path_only)(1.5) == 2.0
    with pytest.raises(srcdiff.SrcdiffError, match="returned NoneType"):
        srcdiff.grad(returns_on_one_path_only)(point)


def repeated_column_index(s, m):
    y = m.copy()
    y[:, [2, 2]] *= s
    return np.sum(y**2)


def repeated_pairs_of_indices(x):
    y = np.zeros((3, 3))
    y[[0, 1, 0], [2, 2, 2]] = x
    return np.sum(y * np.arange(9.0).reshape(3, 3))


@pytest.mark.parametrize(
    "function, args",
    [
        (repeated_column_index, (0.5, np.arange(6.0).reshape(2, 3))),
        (repeated_pairs_of_indices, (np.array([1.0, 2.0, 3.0]),)),
    ],
)
def test_updates_at_repeated_positions_along_any_axis(function, args):
    testing.assert_grad(function, *args)


# ---- loops and shapes -----------------------------------------------------------------------------------------


def layers_of_different_shapes(x, w1, w2):
    for w in [w1, w2]:
        x = np.tanh(x @ w)
    return np.sum(x)


def squashed(v):
    return np.tanh(v)


def helper_result_used_in_some_iterations(x, w1, w2):
    s = 0.0
    for i, w in enumerate([w1, w2]):
        h = squashed(x @ w)
        if i == 1:
            s = s + np.sum(h)
    return s


def tuples_concatenated(a, b):
    t = (a,) + (b,)
    return t[0] * t[1]


def parameter_rebound_to_another_shape(x, flag):
    if flag > 0:
        x = np.ones(3) * x
    return np.sum(x**2)


def name_first_assigned_after_an_early_return(x):
    for i in range(3):
        if x > 100.0:
            return x
        y = x * i
    return y


@pytest.mark.parametrize(
    "function, args, wrt",
    [
        (
            layers_of_different_shapes,
            (np.array([0.3, -0.2]), np.full((2, 3), 0.2), np.full((3, 4), 0.1)),
            (0, 1, 2),
        ),
        (
            helper_result_used_in_some_iterations,
            (np.array([0.3, -0.2]), np.full((2, 3), 0.2), np.full((2, 4), 0.1)),
            (0, 1, 2),
        ),
        (tuples_concatenated, (2.0, 3.0), (0, 1)),
        (parameter_rebound_to_another_shape, (1.5, 1), 0),
        (parameter_rebound_to_another_shape, (1.5, 0), 0),
        (name_first_assigned_after_an_early_return, (1.5,), 0),
        (name_first_assigned_after_an_early_return, (150.0,), 0),
    ],
)
def test_loops_and_shapes(function, args, wrt):
    testing.assert_grad(function, *args, wrt=wrt)


def with_star_args(x, *rest, z=1.0):
    return x * z


def with_keyword_arguments(x, **options):
    return x * 2.0


@pytest.mark.parametrize("function", [with_star_args, with_keyword_arguments])
def test_star_arguments_are_a_located_error(function):
    with pytest.raises(srcdiff.UnsupportedSyntaxError) as caught:
        srcdiff.grad(function)(1.5)
    assert caught.value.filename == __file__


def stops_in_the_debugger(x):
    breakpoint()
    return np.sum(x**2)


def test_breakpoint_in_the_function_stops_in_the_gradient(monkeypatch):
    import sys

    stops = []
    monkeypatch.setattr(sys, "breakpointhook", lambda *args, **kwargs: stops.append(1))
    srcdiff.grad(stops_in_the_debugger)(np.array([1.0, 2.0]))
    assert stops == [1]


# ---- the gradient specialised to Python floats is used only where every value is a Python number -------------

_WEIGHTS = np.array([1.0, 2.0, 3.0])
_SCALE = 2.5


def _times_ones(x):
    return x * np.ones(3)


def _times_global_array(x):
    return x * _WEIGHTS


def _make_times_closure_array():
    weights = np.array([0.5, -1.0])

    def times(x):
        return x * weights

    return times


@pytest.mark.parametrize(
    "function",
    [_times_ones, _times_global_array, _make_times_closure_array()],
    ids=lambda f: f.__name__,
)
def test_an_array_output_from_float_arguments_is_refused(function):
    with pytest.raises(srcdiff.NonScalarOutputError):
        srcdiff.grad(function)(2.0)


def _global_float_and_math(x):
    return math.sin(x) * x**3 * _SCALE + np.exp(x)


def test_floats_with_globals_and_math_agree_with_differences():
    result = testing.check_grad(_global_float_and_math, 0.7)
    assert result.ok, str(result)
    assert isinstance(srcdiff.grad(_global_float_and_math)(0.7), float)


# ---- a loop goes through what iterating gives, not through x[0], x[1]...: a dict's keys, a mapping's items ----


class _Labelled:
    """A mapping whose x[i] looks a label up (like a pandas Series with its own index), not position i."""

    def __init__(self, values, labels):
        self.values, self.labels = list(values), list(labels)

    def __len__(self):
        return len(self.values)

    def __iter__(self):
        return iter(self.values)

    def __getitem__(self, label):
        return self.values[self.labels.index(label)]


def _loop_over_keys(x, config):
    total = 0.0
    for key in config:
        total = total + x * key
    return total


def _loop_over_items(x, series):
    total = 0.0
    for value in series:  # Horner's rule: the order of the items matters
        total = total * x + value
    return total


@pytest.mark.parametrize(
    "function, container",
    [
        (_loop_over_keys, {0: 10.0, 1: 20.0, 5: 30.0}),
        (_loop_over_keys, {2.0, 3.0}),
        (_loop_over_items, _Labelled([1.0, 2.0, 4.0], labels=[2, 0, 1])),
    ],
    ids=["dict with integer keys", "set", "mapping indexed by label"],
)
def test_loops_go_through_what_iteration_gives(function, container):
    expected = testing.numerical_gradient(lambda x: function(x, container), (1.5,), 0)
    assert srcdiff.grad(function)(1.5, container) == pytest.approx(float(expected), rel=1e-6)


def _sum_of_squares_over_list(x, scales):
    total = 0.0
    for scale in scales:
        total = total + np.sum((scale * x) ** 3)
    return total


def test_second_order_through_a_loop_over_a_list():
    x, scales = np.array([0.5, -1.0]), [1.0, 2.0]
    hessian = srcdiff.hessian(_sum_of_squares_over_list)(x, scales)
    numeric = testing.numerical_jacobian(srcdiff.grad(_sum_of_squares_over_list), (x, scales), 0)
    np.testing.assert_allclose(hessian, numeric, rtol=1e-5, atol=1e-7)


# ---- an item read from a container updated in place is copied as what it is: a list stays a list ---------------


def _list_item_then_concatenation(x):
    rows = [[1.0], [2.0]]
    rows[1] = [x, x]
    joined = rows[0] + [x]  # list concatenation: two items
    return len(joined) * x + joined[1]


def _dict_built_in_steps(x):
    state = {"scale": 2.0}
    state["value"] = x * state["scale"]
    state["value"] = state["value"] ** 2
    return state["value"] + state["scale"]


@pytest.mark.parametrize("function", [_list_item_then_concatenation, _dict_built_in_steps])
def test_items_of_updated_containers_keep_their_kind(function):
    result = testing.check_grad(function, 1.3)
    assert result.ok, str(result)


def _loop_over_reversed(xs):
    total = 0.0
    for v in reversed(xs):  # not a range: the items, backwards
        total = total * 0.5 + v * v
    return total


@pytest.mark.parametrize("xs", [[1.0, 2.0, 3.0], (1.0, 2.0, 3.0), np.array([1.0, 2.0, 3.0])], ids=type)
def test_a_loop_over_reversed_items_differentiates_them(xs):
    result = testing.check_grad(_loop_over_reversed, xs)
    assert result.ok, str(result)


# ---- random draws inside the objective run once, in the forward sweep, and are never drawn again -----------------


def _noisy(w, rng):
    noise = rng.normal(size=3)
    rng.normal(size=2)  # a draw whose value is unused still advances the generator
    return np.sum((w + noise) ** 2)


def test_random_draws_run_once_and_are_kept():
    w = np.array([0.5, -1.0, 2.0])
    rng, same = np.random.default_rng(3), np.random.default_rng(3)
    gradient = srcdiff.grad(_noisy)(w, rng)
    noise = same.normal(size=3)
    same.normal(size=2)
    np.testing.assert_allclose(gradient, 2 * (w + noise))
    assert rng.normal() == same.normal()  # the gradient drew exactly what the function draws
    value, _ = srcdiff.value_and_grad(_noisy)(w, np.random.default_rng(3))
    assert value == pytest.approx(_noisy(w, np.random.default_rng(3)))
