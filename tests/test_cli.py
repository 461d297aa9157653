"""The srcdiff command: output, exit status and messages, standalone export, gradient check."""

import ast
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import srcdiff
from srcdiff import compiler, runtime
from srcdiff.cli import _parse_point, main
from srcdiff.errors import NoRuleError, UnsupportedSyntaxError
from srcdiff.export import ExportError, export_module

FIXTURES = Path(__file__).parent / "cli_fixtures"
REPO = Path(srcdiff.__file__).resolve().parent.parent


def fixture(name):
    return str(FIXTURES / f"{name}.py")


def load_fixture(name):
    """The fixture module, imported apart from the CLI's copy, to compare against."""
    spec = importlib.util.spec_from_file_location(f"cli_fixture_{name}", fixture(name))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    sys.path.insert(0, str(FIXTURES))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(FIXTURES))
    return module


def line_of(name, text):
    """The number of the first line of fixture ``name`` that contains ``text``."""
    lines = Path(fixture(name)).read_text().splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def run_process(*argv, cwd=None):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "srcdiff", *argv], capture_output=True, text=True, cwd=cwd, env=env
    )


def assert_one_error(err, status_text="srcdiff: error:"):
    assert err.startswith(status_text)
    assert "Traceback" not in err


# --- printing the gradient ---------------------------------------------------------------------


def test_prints_the_gradient_source_of_a_file_function(capsys):
    status, out, err = run(capsys, f"{fixture('straight')}:product")
    assert (status, err) == (0, "")
    expected = srcdiff.source(load_fixture("straight").product, 0)
    assert out.rstrip("\n") == expected.rstrip("\n")
    import black

    assert black.format_str(out, mode=black.Mode(line_length=100)) == out
    ast.parse(out)


@pytest.mark.parametrize(
    "wrt, expected", [("y", "y"), ("1", 1), ("x,y", ("x", "y")), ("0,b", None)]
)
def test_wrt_takes_names_and_positions(capsys, wrt, expected):
    function = "two_inputs" if expected is None else "product"
    status, out, err = run(capsys, f"{fixture('straight')}:{function}", "--wrt", wrt)
    assert (status, err) == (0, "")
    module = load_fixture("straight")
    if expected is None:
        assert out.rstrip() == srcdiff.source(module.two_inputs, (0, "b")).rstrip()
    else:
        assert out.rstrip() == srcdiff.source(module.product, expected).rstrip()


def test_module_target_is_imported_from_the_current_folder(capsys, monkeypatch):
    monkeypatch.chdir(FIXTURES.parent)
    status, out, err = run(capsys, "cli_fixtures.straight:weighted")
    assert (status, err) == (0, "")
    assert out.rstrip() == srcdiff.source(load_fixture("straight").weighted).rstrip()


def test_a_file_imports_modules_of_its_own_folder(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, f"{fixture('sibling')}:shifted")
    assert (status, err) == (0, "")
    assert "def " in out
    assert str(FIXTURES) not in sys.path


@pytest.mark.parametrize("stage", compiler.STAGES)
def test_stage_prints_that_stage(capsys, stage):
    status, out, err = run(capsys, f"{fixture('straight')}:product", "--stage", stage)
    assert (status, err) == (0, "")
    expected = srcdiff.source(load_fixture("straight").product, 0, stage=stage)
    assert out.rstrip("\n") == expected.rstrip("\n")


def test_unknown_stage_is_a_usage_error(capsys):
    status, out, err = run(capsys, f"{fixture('straight')}:product", "--stage", "nonsense")
    assert status == 2
    assert "invalid choice: 'nonsense'" in err


def test_no_format_prints_the_unformatted_source(capsys):
    status, out, err = run(capsys, f"{fixture('straight')}:product", "--no-format")
    assert (status, err) == (0, "")
    expected = srcdiff.source(load_fixture("straight").product, 0, format=False)
    assert out.rstrip("\n") == expected.rstrip("\n")


def test_list_shows_signatures_and_what_srcdiff_cannot_differentiate(capsys):
    status, out, err = run(capsys, fixture("unsupported"), "--list")
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("fine(x)") and lines[0].endswith("  supported syntax")
    assert lines[1].startswith("uses_try(x)")
    assert f"not differentiable: line {line_of('unsupported', 'try:')}:" in lines[1]


def test_list_leaves_out_imported_functions(capsys):
    status, out, err = run(capsys, fixture("straight"), "--list")
    assert status == 0
    names = [line.split("(")[0] for line in out.splitlines()]
    assert names == ["product", "weighted", "two_inputs"]


def test_version(capsys):
    status, out, err = run(capsys, "--version")
    assert (status, out) == (0, f"srcdiff {srcdiff.__version__}\n")


@pytest.mark.parametrize("argv", [["--help"], ["check", "--help"]])
def test_help_has_examples(capsys, argv):
    status, out, err = run(capsys, *argv)
    assert status == 0
    assert "examples:" in out and "srcdiff check" in out and "exit status" in out


# --- bad input -------------------------------------------------------------------------------


def test_missing_file(capsys, tmp_path):
    missing = tmp_path / "nope.py"
    status, out, err = run(capsys, f"{missing}:f")
    assert (status, out) == (2, "")
    assert_one_error(err)
    assert f"no such file: {missing}" in err


def test_missing_function_lists_the_functions_there(capsys):
    status, out, err = run(capsys, f"{fixture('straight')}:nope")
    assert (status, out) == (2, "")
    assert_one_error(err)
    assert "straight.py has no function 'nope'" in err
    assert "product, weighted, two_inputs" in err


@pytest.mark.parametrize("target", ["model.py:not-a-name", "model.py:", "a b:f", "straight.py"])
def test_bad_target_syntax(capsys, target, monkeypatch):
    monkeypatch.chdir(FIXTURES)
    status, out, err = run(capsys, target)
    assert (status, out) == (2, "")
    assert_one_error(err)
    assert repr(target) in err


@pytest.mark.parametrize(
    "extra, message",
    [
        ([":SCALE"], "straight.py:SCALE is 'float', not a function"),
        ([":product", "--stage", "adjoint", "-o", "out.py"], "--stage and --output cannot be used"),
        ([":product", "--list"], "--list takes a file or module without :FUNCTION"),
    ],
)
def test_other_usage_errors(capsys, extra, message):
    status, out, err = run(capsys, fixture("straight") + extra[0], *extra[1:])
    assert (status, out) == (2, "")
    assert_one_error(err)
    assert message in err


def test_missing_module(capsys):
    status, out, err = run(capsys, "no_such_module_here:f")
    assert (status, out) == (2, "")
    assert_one_error(err)
    assert "no module named 'no_such_module_here'" in err


def test_file_that_fails_to_import(capsys, tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text(
        "import numpy as np\n\nraise RuntimeError('boom')\n\ndef f(x):\n    return x\n"
    )
    status, out, err = run(capsys, f"{broken}:f")
    assert (status, out) == (1, "")
    assert_one_error(err)
    assert f"{broken}:3: importing {broken} failed: RuntimeError: boom" in err
    assert "broken" not in " ".join(sys.modules)


def test_module_that_fails_to_import_names_the_line(capsys, tmp_path, monkeypatch):
    (tmp_path / "needs_missing.py").write_text("\nimport not_installed_anywhere\n")
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "needs_missing:f")
    assert (status, out) == (1, "")
    assert_one_error(err)
    assert "needs_missing.py:2: importing needs_missing failed: ModuleNotFoundError" in err


def test_syntax_error_in_the_users_file(capsys, tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f(x):\n    return x +\n")
    status, out, err = run(capsys, f"{bad}:f")
    assert (status, out) == (1, "")
    assert_one_error(err)
    assert f"{bad}:2: syntax error" in err
    assert "return x +" in err


def test_unsupported_construct_names_file_and_line(capsys):
    status, out, err = run(capsys, f"{fixture('unsupported')}:uses_try")
    assert (status, out) == (1, "")
    assert_one_error(err)
    assert f"unsupported.py:{line_of('unsupported', 'try:')}" in err


def test_debug_shows_the_traceback(capsys, tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('boom')\n")
    status, out, err = run(capsys, f"{broken}:f", "--debug")
    assert status == 1
    assert "Traceback" in err and err.rstrip().endswith("RuntimeError: boom")


@pytest.mark.parametrize("wrt", ["z", "5", "x y", ""])
def test_bad_wrt_is_a_usage_error(capsys, wrt):
    status, out, err = run(capsys, f"{fixture('straight')}:product", "--wrt", wrt)
    assert (status, out) == (2, "")
    assert_one_error(err)


def test_a_users_print_at_import_does_not_reach_stdout(capsys, tmp_path):
    noisy = tmp_path / "noisy.py"
    noisy.write_text("print('hello')\n\ndef f(x):\n    return x * x\n")
    status, out, err = run(capsys, f"{noisy}:f")
    assert status == 0
    assert "hello" not in out and "hello" in err


# --- standalone export -----------------------------------------------------------------------

RUN_EXPORTED = """
import importlib.util, json, sys
sys.modules["srcdiff"] = None  # an import of srcdiff now fails, as where it is not installed
import numpy as np
spec = importlib.util.spec_from_file_location("exported", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
args = [np.array(a) if isinstance(a, list) else a for a in json.loads(sys.argv[2])]
result = getattr(module, module.__all__[0])(*args)
result = [np.asarray(r).tolist() for r in result] if isinstance(result, tuple) else np.asarray(result).tolist()
print(json.dumps(result))
"""

EXPORT_CASES = [
    ("straight", "product", "x", [1.3, 0.7], True),
    ("straight", "product", "x,y", [1.3, 0.7], True),
    ("straight", "weighted", "0", [[0.1, -0.2, 0.3]], True),
    ("straight", "two_inputs", "b,a", [[0.1, 0.2], [1.0, -1.0]], True),
    ("control", "loop", "x", [0.4], False),
    ("control", "branch", "x", [0.7], False),
    ("control", "branch", "x", [0.2], False),
    ("control", "helper_call", "x", [0.3], False),
]


def imported_modules(text):
    nodes = [n for n in ast.walk(ast.parse(text)) if isinstance(n, (ast.Import, ast.ImportFrom))]
    modules = [alias.name for n in nodes if isinstance(n, ast.Import) for alias in n.names]
    return modules + [n.module for n in nodes if isinstance(n, ast.ImportFrom)]


def skip_unless_supported(function, wrt, straight_line):
    """Skip a control-flow case while the core rejects its syntax; straight-line cases always run."""
    if straight_line:
        return
    try:
        compiler.derive(function, wrt)
    except (UnsupportedSyntaxError, NoRuleError) as error:  # not supported yet
        pytest.skip(f"the core does not differentiate this yet: {error}")


def as_wrt(text):
    parts = tuple(int(p) if p.isdigit() else p for p in text.split(","))
    return parts if len(parts) > 1 else parts[0]


@pytest.mark.parametrize("name, function, wrt, point, straight_line", EXPORT_CASES)
def test_exported_module_runs_without_srcdiff(
    capsys, tmp_path, name, function, wrt, point, straight_line
):
    fun = getattr(load_fixture(name), function)
    skip_unless_supported(fun, as_wrt(wrt), straight_line)
    args = [np.array(a) if isinstance(a, list) else a for a in point]
    expected = srcdiff.grad(fun, wrt=as_wrt(wrt))(*args)
    output = tmp_path / "exported_grad.py"
    status, out, err = run(capsys, f"{fixture(name)}:{function}", "--wrt", wrt, "-o", str(output))
    assert (status, out, err) == (0, "", "")
    assert [p.name for p in tmp_path.iterdir()] == ["exported_grad.py"]  # no temporary left

    modules = imported_modules(output.read_text())
    assert all(m.split(".")[0] in sys.stdlib_module_names | {"numpy"} for m in modules), modules

    process = subprocess.run(
        [sys.executable, "-I", "-c", RUN_EXPORTED, str(output), json.dumps(point)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert process.returncode == 0, process.stderr
    exported = json.loads(process.stdout)
    if isinstance(expected, tuple):
        assert len(exported) == len(expected)
        for got, want in zip(exported, expected):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    else:
        np.testing.assert_allclose(exported, expected, rtol=1e-12, atol=1e-14)


def test_exported_header(capsys, tmp_path):
    output = tmp_path / "g.py"
    target = f"{fixture('straight')}:product"
    assert main([target, "--wrt", "y", "-o", str(output)]) == 0
    header = [line for line in output.read_text().splitlines() if line.startswith("#")][:4]
    text = "\n".join(header)
    assert f"Gradient of product from {target.rsplit(':', 1)[0]} with respect to y." in text
    assert f"srcdiff {srcdiff.__version__}" in text and "Do not edit" in text


def test_export_refuses_to_overwrite_the_input(capsys, tmp_path):
    source = tmp_path / "model.py"
    source.write_text("def f(x):\n    return x * x\n")
    status, out, err = run(capsys, f"{source}:f", "-o", str(source))
    assert status == 2
    assert_one_error(err)
    assert "refusing to overwrite the input file" in err
    assert source.read_text() == "def f(x):\n    return x * x\n"


def test_failed_export_writes_nothing(capsys, tmp_path):
    output = tmp_path / "g.py"
    status, out, err = run(capsys, f"{fixture('unsupported')}:uses_try", "-o", str(output))
    assert status == 1
    assert list(tmp_path.iterdir()) == []


class FakeDerivative:
    """What compiler.derive returns, for export tests that do not depend on the core's output."""

    def __init__(self, source, free_globals, entry="df_dx"):
        self.source, self.free_globals, self.entry = source, free_globals, entry
        self.injected = {"np": np, "_rt": runtime}
        self.runtime_names = {"unbroadcast"} if "_rt.unbroadcast" in source else set()
        self.free_vars = ()


def _offset():
    return OFFSET_FOR_TEST  # noqa: F821 (set on this module by the test)


def _calls_the_runtime(g):
    return runtime.unbroadcast(g, 1.0)


def exported_namespace(monkeypatch, source, free_globals):
    monkeypatch.setattr(compiler, "derive", lambda fun, wrt=0: FakeDerivative(source, free_globals))
    text = export_module(lambda x: x, 0, origin="test")
    namespace = {}
    exec(compile(text, "<exported>", "exec"), namespace)
    return text, namespace


def test_export_writes_each_kind_of_global(monkeypatch):
    import math

    monkeypatch.setitem(globals(), "OFFSET_FOR_TEST", 0.25)
    free_globals = {
        "math": math,
        "linalg": np.linalg,
        "sin": math.sin,
        "SCALE": 2.0,
        "INF": float("inf"),
        "N": 3,
        "FLAG": True,
        "NOTHING": None,
        "LABEL": "x",
        "SHAPE": (2, (3, 4.5)),
        "W": np.array([[1.0, 2.5], [-3.0, 4.0]], dtype=np.float32),
        "HALF": np.float64(0.5),
        "offset": _offset,
    }
    source = "def df_dx(x):\n    return SCALE * linalg.norm(W) + math.cos(x) + sin(x) + offset()\n"
    text, namespace = exported_namespace(monkeypatch, source, free_globals)
    assert "import numpy.linalg as linalg" in text and "from math import sin" in text
    for name in ("SCALE", "INF", "N", "FLAG", "NOTHING", "LABEL", "SHAPE", "HALF"):
        assert namespace[name] == free_globals[name]
        assert type(namespace[name]) is type(free_globals[name])
    assert namespace["W"].dtype == np.float32
    np.testing.assert_array_equal(namespace["W"], free_globals["W"])
    assert namespace["OFFSET_FOR_TEST"] == 0.25  # a global of a copied function, copied in turn
    expected = 2.0 * np.linalg.norm(free_globals["W"]) + math.cos(0.5) + math.sin(0.5) + 0.25
    np.testing.assert_allclose(namespace["df_dx"](0.5), expected)


@pytest.mark.parametrize(
    "value, message",
    [
        (object(), "cannot export the global 'thing': a value of type builtins.object"),
        (np.zeros(5000), "it has 5000 elements"),
        (pytest, "may import only numpy and the standard library"),
        (lambda x: x, "cannot export the lambda 'thing'"),
    ],
)
def test_export_rejects_what_it_cannot_write(monkeypatch, value, message):
    source = "def df_dx(x):\n    return thing\n"
    monkeypatch.setattr(
        compiler, "derive", lambda fun, wrt=0: FakeDerivative(source, {"thing": value})
    )
    with pytest.raises(ExportError) as raised:
        export_module(lambda x: x, 0)
    assert message in str(raised.value)


def test_export_keeps_runtime_helpers_apart_from_your_names(monkeypatch):
    source = "def df_dx(x):\n    return _rt.unbroadcast(x, 1.0) + unbroadcast + helper(x)\n"
    free_globals = {"unbroadcast": 40.0, "helper": _calls_the_runtime}
    text, namespace = exported_namespace(monkeypatch, source, free_globals)
    assert "def _load_runtime():" in text
    assert "import srcdiff" not in text and "runtime = _rt" in text
    assert namespace["df_dx"](np.ones((2, 1))) == 2.0 + 40.0 + 2.0


def test_export_detects_a_name_meaning_two_things(monkeypatch):
    source = "def df_dx(x):\n    return x\n"
    monkeypatch.setattr(
        compiler, "derive", lambda fun, wrt=0: FakeDerivative(source, {"df_dx": 1.0})
    )
    with pytest.raises(ExportError, match="'df_dx' stands for two different things"):
        export_module(lambda x: x, 0)


def test_export_embeds_the_runtime_helpers_it_uses(capsys, tmp_path):
    fun = load_fixture("straight").two_inputs
    derivative = compiler.derive(fun, ("a", "b"))
    text = export_module(fun, ("a", "b"))
    for name in derivative.runtime_names:
        assert f"def {name}(" in text or f"\n{name} =" in text
    if derivative.runtime_names:
        assert "_rt = SimpleNamespace(" in text
    assert "srcdiff" not in {module.split(".")[0] for module in imported_modules(text)}


# --- gradient check --------------------------------------------------------------------------


def test_check_agreeing_gradient(capsys):
    status, out, err = run(capsys, "check", f"{fixture('straight')}:product", "--args", "1.0,2.0")
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "gradient of product at x=1.0, y=2.0"
    assert lines[1] == "with respect to x:"
    analytic = float(lines[2].split()[-1])
    numerical = float(lines[3].split()[-1])
    np.testing.assert_allclose(analytic, 2.0 + np.cos(1.0), rtol=1e-7)
    np.testing.assert_allclose(numerical, 2.0 + np.cos(1.0), rtol=1e-6)
    assert lines[4].startswith("worst error:")
    assert lines[-1].startswith("OK:")


def test_check_with_array_arguments_and_two_inputs(capsys):
    status, out, err = run(
        capsys,
        *["check", f"{fixture('straight')}:two_inputs", "--args", "[1, 2, 3]", "[0.5, 0.5, 0.5]"],
        *["--wrt", "a,b"],
    )
    assert (status, err) == (0, "")
    assert "with respect to a:" in out and "with respect to b:" in out
    assert out.splitlines()[-1].startswith("OK:")


def test_check_fails_on_a_wrong_rule(capsys):
    status, out, err = run(capsys, "check", f"{fixture('wrong_rule')}:uses_cube", "--args", "1.5")
    assert status == 1
    assert out.splitlines()[-1].startswith("FAIL:")
    analytic = float(out.splitlines()[2].split()[-1])
    numerical = float(out.splitlines()[3].split()[-1])
    np.testing.assert_allclose(analytic, 2 * 1.5 + 1, rtol=1e-7)
    np.testing.assert_allclose(numerical, 3 * 1.5**2 + 1, rtol=1e-6)


@pytest.mark.parametrize(
    "args, message",
    [
        (["1.0"], "cannot take 1 argument(s)"),
        (["1.0", "[1, 'a']"], "is not a number or a list of numbers"),
        (["1.0", "2.0 +"], "cannot read"),
    ],
)
def test_check_bad_args(capsys, args, message):
    status, out, err = run(capsys, "check", f"{fixture('straight')}:product", "--args", *args)
    assert (status, out) == (2, "")
    assert_one_error(err)
    assert message in err


def test_check_reports_an_error_raised_by_the_users_code(capsys, tmp_path):
    model = tmp_path / "model.py"
    model.write_text("ZERO = 0\n\n\ndef explode(x):\n    return x / ZERO\n")
    status, out, err = run(capsys, "check", f"{model}:explode", "--args", "1.0")
    assert (status, out) == (1, "")
    assert_one_error(err)
    assert str(model) in err
    assert "evaluating explode failed: ZeroDivisionError" in err


def test_check_needs_args(capsys):
    status, out, err = run(capsys, "check", f"{fixture('straight')}:product")
    assert status == 2
    assert "--args" in err


@pytest.mark.parametrize(
    "tokens, expected",
    [
        (["1.0,2.0"], [1.0, 2.0]),
        (["1.0", "-2"], [1.0, -2.0]),
        (["[1,2,3]", "2.0"], [[1.0, 2.0, 3.0], 2.0]),
        (["(1, 2)"], [[1.0, 2.0]]),
        (["(1, 2),(3, 4)"], [[1.0, 2.0], [3.0, 4.0]]),
        (["[[1, 0], [0, 1]],5"], [[[1.0, 0.0], [0.0, 1.0]], 5.0]),
    ],
)
def test_parse_point(tokens, expected):
    values = _parse_point(tokens)
    assert len(values) == len(expected)
    for value, want in zip(values, expected):
        if isinstance(want, float):
            assert type(value) is float and value == want
        else:
            assert value.dtype == np.float64
            np.testing.assert_array_equal(value, want)


# --- as a process ------------------------------------------------------------------------------


def test_process_prints_the_gradient():
    process = run_process(f"{fixture('straight')}:product")
    assert (process.returncode, process.stderr) == (0, "")
    assert process.stdout.rstrip() == srcdiff.source(load_fixture("straight").product).rstrip()


def test_process_missing_file(tmp_path):
    process = run_process("nope.py:f", cwd=tmp_path)
    assert (process.returncode, process.stdout) == (2, "")
    assert process.stderr == "srcdiff: error: no such file: nope.py\n"


def test_process_unsupported_construct():
    process = run_process(f"{fixture('unsupported')}:uses_try")
    assert process.returncode == 1
    assert "Traceback" not in process.stderr
    assert f"unsupported.py:{line_of('unsupported', 'try:')}" in process.stderr


def test_process_check():
    process = run_process("check", f"{fixture('straight')}:weighted", "--args", "[0.1, 0.2, 0.3]")
    assert (process.returncode, process.stderr) == (0, "")
    assert process.stdout.splitlines()[-1].startswith("OK:")


def test_forward_mode_and_second_order_code(capsys):
    target = f"{FIXTURES / 'straight.py'}:product"
    assert main([target, "--mode", "forward", "--no-format"]) == 0
    forward = capsys.readouterr().out
    assert forward.startswith("def jvp_product(") and "_tape" not in forward
    assert main([target, "--order", "2"]) == 0
    second = capsys.readouterr().out
    assert second.startswith("def hvp_product(")
    assert main([target, "--order", "2", "--mode", "forward"]) == 2
    assert "--order 2" in capsys.readouterr().err
