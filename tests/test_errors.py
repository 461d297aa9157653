"""What srcdiff does not differentiate yet raises a located error: the right class, file and line.

Each case is a small module written to a file, so that the expected line is known: it is the line marked
``# <- here``.
"""

import importlib.util
import sys
import textwrap
import uuid

import numpy as np
import pytest

import srcdiff
from srcdiff import testing

MARK = "# <- here"

HEADER = """
import numpy as np

GLOBAL_ARRAY = np.zeros(2)


def helper(x):
    return x * 2.0

"""


def load(tmp_path, source: str):
    """Write ``HEADER`` and ``source`` to a module file, import it, return (module, path, the marked line number)."""
    source = HEADER.lstrip("\n") + textwrap.dedent(source).lstrip("\n")
    path = tmp_path / f"errors_case_{uuid.uuid4().hex[:8]}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    marked = [i for i, line in enumerate(source.splitlines(), start=1) if MARK in line]
    return module, path, marked[0] if marked else None


UNSUPPORTED = {
    "alias_updated_in_place": """
        def f(x):
            y = x * 1.0
            z = y  # <- here
            y[0] = 3.0
            return np.sum(z)
    """,
    "update_of_a_view": """
        def f(x):
            y = x * 1.0
            z = y.T  # <- here
            y[0] = 3.0
            return np.sum(z)
    """,
    "update_of_a_slice_view": """
        def f(x):
            y = x[1:]
            y[0] = 3.0  # <- here
            return np.sum(y)
    """,
    "update_of_a_global": """
        def f(x):
            GLOBAL_ARRAY[0] = x  # <- here
            return x
    """,
    "comprehension_in_a_while_test": """
        def f(x):
            while sum([v for v in x]) < 10.0:  # <- here
                x = x * 2.0
            return np.sum(x)
    """,
    "generator_given_to_numpy": """
        def f(x):
            return np.sum(np.array(v * v for v in x))  # <- here
    """,
    "comprehension_in_a_conditional_branch": """
        def f(x):
            return x if x > 0 else sum([x * i for i in range(3)])  # <- here
    """,
    "comprehension_rebinding_an_outer_name": """
        def f(x):
            return np.sum([[v for v in row] for v in x])  # <- here
    """,
    "set_comprehension": """
        def f(x):
            s = {i for i in range(3)}  # <- here
            return x
    """,
    "lambda_in_an_expression": """
        def f(x):
            return (lambda t: t * t)(x)  # <- here
    """,
    "def_inside_a_loop": """
        def f(x):
            for i in range(2):
                def square(t):  # <- here
                    return t * t
            return square(x)
    """,
    "local_function_passed_as_a_value": """
        def f(x):
            def square(t):
                return t * t
            return np.sum(np.vectorize(square)(x))  # <- here
    """,
    "local_function_with_a_computed_default": """
        def f(x):
            def scaled(t, k=np.pi * 2):  # <- here
                return t * k
            return scaled(x)
    """,
    "try_except": """
        def f(x):
            try:  # <- here
                y = np.log(x)
            except ValueError:
                y = x
            return y
    """,
    "with_statement": """
        def f(x):
            with np.errstate(all="ignore"):  # <- here
                y = np.log(x)
            return y
    """,
    "while_else": """
        def f(x):
            while x > 1.0:  # <- here
                x = x / 2.0
            else:
                x = x + 1.0
            return x
    """,
    "for_else": """
        def f(x):
            for i in range(3):  # <- here
                x = x * 2.0
            else:
                x = x + 1.0
            return x
    """,
    "attribute_assignment": """
        def f(x):
            x.scale = 2.0  # <- here
            return x
    """,
    "global_statement": """
        def f(x):
            global counter  # <- here
            return x
    """,
    "walrus": """
        def f(x):
            if (y := x * 2.0) > 0:  # <- here
                x = y
            return x
    """,
    "starred_call": """
        def f(x):
            y = np.add(*x)  # <- here
            return y
    """,
    "no_final_return": """
        def f(x):
            y = x * 2.0  # <- here
    """,
}

NO_RULE = {
    "numpy_function_without_rule": """
        def f(x):
            y = np.sort(x)  # <- here
            return np.sum(y * y)
    """,
}


def assert_located(tmp_path, source, error_class):
    """Differentiating ``f`` of ``source`` raises ``error_class`` at the marked line of its file."""
    module, path, line = load(tmp_path, source)
    with pytest.raises(error_class) as caught:
        srcdiff.grad(module.f)(np.array([1.0, 2.0]))
    error = caught.value
    assert error.filename == str(path)
    assert error.lineno == line
    assert f"{path}:{line}" in str(error)
    assert error.message
    return error


@pytest.mark.parametrize("name", sorted(UNSUPPORTED))
def test_unsupported_syntax_is_located(tmp_path, name):
    error = assert_located(tmp_path, UNSUPPORTED[name], srcdiff.UnsupportedSyntaxError)
    if name == "def_inside_a_loop":
        assert "inside a block" in error.message


# Calls to the user's own functions are differentiated through their own generated vjp functions.
OWN_FUNCTION = {
    "call_to_own_function": """
        def f(x):
            y = helper(x)  # <- here
            return y
    """,
    "call_to_own_function_in_loop": """
        def f(x):
            for i in range(2):
                x = helper(x) + 1.0  # <- here
            return x
    """,
    "call_to_own_function_in_branch": """
        def f(x):
            if x > 0:
                y = x
            else:
                y = helper(x) * x  # <- here
            return y
    """,
}


@pytest.mark.parametrize("name", sorted(NO_RULE))
def test_missing_rule_is_located(tmp_path, name):
    assert_located(tmp_path, NO_RULE[name], srcdiff.NoRuleError)


@pytest.mark.parametrize("point", [0.7, -1.2])
@pytest.mark.parametrize("name", sorted(OWN_FUNCTION))
def test_call_to_own_function_is_differentiated(tmp_path, name, point):
    module, _, _ = load(tmp_path, OWN_FUNCTION[name])
    result = testing.check_grad(module.f, point)
    assert result.ok, str(result)


def test_errors_are_raised_by_source_too(tmp_path):
    module, path, line = load(tmp_path, UNSUPPORTED["try_except"])
    with pytest.raises(srcdiff.UnsupportedSyntaxError) as caught:
        srcdiff.source(module.f)
    assert (caught.value.filename, caught.value.lineno) == (str(path), line)


def test_call_to_own_function_on_constants_is_fine(tmp_path):
    # helper only sees a constant: no gradient flows through it, so no rule is needed
    module, _, _ = load(tmp_path, """
        def f(x, c):
            scale = helper(c)
            return x * x * scale
    """)
    assert srcdiff.grad(module.f)(3.0, 0.5) == pytest.approx(6.0)


# In-place updates of local arrays and lists are differentiated (with the overwritten values saved).
IN_PLACE = {
    "in_place_item_assignment": """
        def f(x):
            y = x * 1.0
            y[0] = 3.0
            return np.sum(y)
    """,
    "in_place_slice_augmented": """
        def f(x):
            y = x * 1.0
            y[1:] += 2.0
            return np.sum(y)
    """,
    "in_place_in_loop": """
        def f(x):
            y = x * 1.0
            for i in range(2):
                y[i] = y[i] * x[i]
            return np.sum(y)
    """,
    "list_append": """
        def f(x):
            out = []
            for i in range(2):
                out.append(x * i)
            return np.sum(out[0] * out[1])
    """,
}


def assert_differentiated(tmp_path, source):
    """The function ``f`` of ``source`` has srcdiff's gradient equal to central differences."""
    module, _, _ = load(tmp_path, source)
    result = testing.check_grad(module.f, np.array([0.3, -0.7, 1.1]))
    assert result.ok, str(result)


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_updates_are_differentiated(tmp_path, name):
    assert_differentiated(tmp_path, IN_PLACE[name])


def test_in_place_update_of_a_constant_argument(tmp_path):
    module, _, _ = load(tmp_path, """
        def f(x, c):
            c[0] = 1.0
            return x * x * c[0]
    """)
    c = np.zeros(2)
    assert srcdiff.grad(module.f)(3.0, c) == pytest.approx(6.0)
    assert c[0] == 1.0  # the forward sweep runs the function as written, update included


def test_break_and_continue_are_supported_now(tmp_path):
    module, _, _ = load(tmp_path, """
        def f(x):
            s = 0.0
            for i in range(5):
                if i == 1:
                    continue
                s = s + x * i
                if i == 3:
                    break
            return s
    """)
    assert srcdiff.grad(module.f)(2.0) == pytest.approx(0 + 2 + 3)


LOCAL_FUNCTIONS = {
    "lambda": """
        def f(x):
            square = lambda t: t * t
            return np.sum(square(x))
    """,
    "nested_def_reading_the_outer_variables": """
        def f(x):
            scale = np.sum(x) * 0.5
            def g(t):
                return np.sin(t) * scale
            total = 0.0
            for i in range(3):
                total = total + g(x * i)
            return np.sum(total)
    """,
    "recursive_local_function": """
        def f(x):
            def power(y, n):
                if n == 0:
                    return 1.0
                return y * power(y, n - 1)
            return np.sum(power(x, 3) + power(x, 2))
    """,
}


@pytest.mark.parametrize("name", sorted(LOCAL_FUNCTIONS))
def test_local_functions_are_differentiated(tmp_path, name):
    assert_differentiated(tmp_path, LOCAL_FUNCTIONS[name])


def test_local_function_with_defaults_and_free_variables(tmp_path):
    module, _, _ = load(tmp_path, """
        def f(x, scale):
            def g(t, k=2.0):
                return np.sin(t) * k * scale
            h = lambda z, p=3: z ** p * scale
            return np.sum(g(x) + g(x, 0.5) + h(x))
    """)
    result = testing.check_grad(module.f, np.array([0.3, -0.4]), 1.3, wrt=(0, 1))
    assert result.ok, str(result)
