"""srcdiff.source: unknown choices are ValueErrors naming the valid ones, and the gradient's twin for Python
floats is shown only when asked for (variant="floats"); the code shown computes the gradient."""

import ast

import numpy as np
import pytest

import srcdiff
from srcdiff import compiler, runtime
from srcdiff.testing import assert_grad, numerical_grad


def wave(x, y):
    return x * np.sin(y) + y * y / (1.0 + x * x)


def helper(u):
    return u * u * 0.5


def calls_helper(x):
    return helper(x) * np.cos(x)


def on_arrays(x):
    return np.sum(np.tanh(x) * x)


def defined(text: str) -> list:
    """The names of the functions ``text`` defines, in order."""
    return [node.name for node in ast.parse(text).body if isinstance(node, ast.FunctionDef)]


def twin_name(function, wrt=0) -> str:
    return compiler.derive(function, wrt).floats_entry


def run_source(text: str, function, name: str):
    """Function ``name`` of ``text``, run where the generated code runs: the user's module, the names the
    compiler passes in, and srcdiff's runtime."""
    namespace = dict(function.__globals__)
    namespace.update(compiler.derive(function).injected)
    namespace.setdefault("_rt", runtime)
    exec(compile(text, "<source under test>", "exec"), namespace)
    return namespace[name]


# ---- unknown choices -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "option, choices",
    [
        ("stage", compiler.STAGES),
        ("mode", ("reverse", "forward", "hvp")),
        ("variant", ("general", "floats")),
    ],
)
def test_an_unknown_choice_is_a_value_error_naming_the_valid_ones(option, choices):
    with pytest.raises(ValueError) as caught:
        srcdiff.source(wave, **{option: "typo"})
    message = str(caught.value)
    assert "'typo'" in message
    for choice in choices:
        assert repr(choice) in message
    # still one of srcdiff's own errors, so ``except SrcdiffError`` keeps catching it
    assert isinstance(caught.value, srcdiff.SrcdiffError)


def test_the_compilers_stage_source_refuses_an_unknown_stage_the_same_way():
    with pytest.raises(ValueError, match="'optimized'"):
        compiler.stage_source(wave, 0, "typo")


@pytest.mark.parametrize("stage", compiler.STAGES)
def test_every_valid_stage_is_still_shown(stage):
    assert defined(srcdiff.source(wave, stage=stage))


# ---- the floats twin -------------------------------------------------------------------------------------------


def test_the_default_source_leaves_the_floats_twin_out():
    twin = twin_name(wave)
    assert twin is not None  # wave is scalar-closed: the compiler writes a twin
    shown = defined(srcdiff.source(wave))
    assert shown == [compiler.entry_name("wave", ("x",), False)]
    assert twin not in shown
    assert twin not in srcdiff.source(wave, variant="general")


def test_variant_floats_shows_the_twin_alone():
    twin = twin_name(wave, 1)
    assert defined(srcdiff.source(wave, 1, variant="floats")) == [twin]
    for stage in ("adjoint", "optimized"):
        assert defined(srcdiff.source(wave, 1, stage=stage, variant="floats")) == [twin]


def test_before_the_adjoint_the_twin_is_the_function_itself():
    for stage in ("parsed", "normalized"):
        assert defined(srcdiff.source(wave, stage=stage, variant="floats")) == ["wave"]


def test_the_two_variants_are_every_function_generated_each_once():
    derivative = compiler.derive(wave)
    general = defined(srcdiff.source(wave))
    floats = defined(srcdiff.source(wave, variant="floats"))
    assert sorted(general + floats) == sorted(defined(derivative.source))


@pytest.mark.parametrize("stage", compiler.STAGES)
def test_the_compilers_own_stage_text_still_holds_every_function(stage):
    derivative = compiler.derive(wave)
    every = defined(compiler.stage_source(wave, 0, stage))
    if stage in ("parsed", "normalized"):  # the twin starts from the same function: shown once
        assert every == ["wave"]
    else:
        assert every == [derivative.entry, derivative.floats_entry]


def test_without_a_twin_the_default_shows_the_gradient_and_its_callees():
    derivative = compiler.derive(calls_helper)
    assert derivative.floats_entry is None  # it calls a function of the user's: no twin
    shown = defined(srcdiff.source(calls_helper))
    assert shown == defined(derivative.source)
    assert shown[0] == derivative.entry and len(shown) == 2  # then the vjp function of helper


def test_there_is_no_floats_variant_without_a_twin():
    assert twin_name(on_arrays) is None
    with pytest.raises(ValueError, match="floats"):
        srcdiff.source(on_arrays, variant="floats")
    with pytest.raises(ValueError, match="floats"):
        srcdiff.source(wave, mode="forward", variant="floats")
    # the general variant is all there is
    assert srcdiff.source(on_arrays) == srcdiff.source(on_arrays, variant="general")


def test_a_gradient_function_shows_its_own_source():
    gradient = srcdiff.grad(wave, wrt="y")
    assert srcdiff.source(gradient) == srcdiff.source(wave, "y")
    assert defined(srcdiff.source(gradient, variant="floats")) == [twin_name(wave, "y")]


# ---- the code shown computes the gradient ----------------------------------------------------------------------

POINTS = [(0.3, -0.7), (1.1, 2.5), (-1.4, 0.2)]


@pytest.mark.parametrize("x, y", POINTS)
def test_the_twin_shown_computes_the_gradient(x, y):
    twin = run_source(srcdiff.source(wave, variant="floats"), wave, twin_name(wave))
    expected = numerical_grad(wave, (x, y), 0)
    assert np.isclose(twin(x, y), expected, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("x, y", POINTS)
def test_the_general_gradient_shown_computes_the_gradient(x, y):
    derivative = compiler.derive(wave, (0, 1))
    gradient = run_source(srcdiff.source(wave, (0, 1)), wave, derivative.entry)
    for position, value in enumerate(gradient(x, y)):
        assert np.isclose(value, numerical_grad(wave, (x, y), position), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("x", [0.4, -1.3, 2.2])
def test_the_general_gradient_shown_with_its_callees_computes_the_gradient(x):
    derivative = compiler.derive(calls_helper)
    gradient = run_source(srcdiff.source(calls_helper), calls_helper, derivative.entry)
    assert np.isclose(gradient(x), numerical_grad(calls_helper, (x,), 0), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("x, y", POINTS)
def test_the_gradient_agrees_with_finite_differences(x, y):
    assert_grad(wave, x, y, wrt=(0, 1))
    assert_grad(wave, np.array(x), np.array(y), wrt=(0, 1))  # 0-d arrays: the general gradient
    assert_grad(calls_helper, x)


def test_the_command_line_prints_the_general_gradient_without_the_twin(tmp_path, capsys):
    from srcdiff.cli import main

    path = tmp_path / "model.py"
    path.write_text(
        "import numpy as np\n\n\ndef wave(x, y):\n    return x * np.sin(y) + y * y / (1.0 + x * x)\n"
    )
    assert main([f"{path}:wave"]) == 0
    printed = capsys.readouterr().out
    assert defined(printed) == [compiler.entry_name("wave", ("x",), False)]
