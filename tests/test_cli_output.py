"""The command line's file handling: --list reads a file without running it, -o writes only where it should,
and bad --eps and --wrt values are usage errors."""

import os
import stat

import numpy as np
import pytest

from srcdiff.cli import main
from srcdiff.testing import numerical_gradient

MODEL = """\
import numpy as np

open({marker!r}, "w").write("ran")


def loss(w, b):
    return np.sum(np.tanh(w) * w) + b * b


def uses_with(x):
    with open("f") as handle:
        return x
"""


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MODEL.format(marker=str(tmp_path / "marker")))
    return path


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def exported_gradient(text):
    namespace = {}
    exec(compile(text, "<exported>", "exec"), namespace)
    return namespace["dloss_dw"]


def check_numbers(gradient):
    """The exported gradient of loss with respect to w against central differences."""
    w, b = np.array([0.3, -0.8]), 0.5

    def f(w):
        return np.sum(np.tanh(w) * w) + b * b

    np.testing.assert_allclose(gradient(w, b), numerical_gradient(f, (w,)), rtol=1e-6)


def test_list_does_not_run_the_file(capsys, model, tmp_path):
    status, out, err = run(capsys, model, "--list")
    assert (status, err) == (0, "")
    assert not (tmp_path / "marker").exists()
    lines = out.splitlines()
    assert lines[0].startswith("loss(w, b)") and lines[0].endswith("supported syntax")
    assert lines[1].startswith("uses_with(x)") and "not differentiable: line 11:" in lines[1]


def test_output_dash_writes_to_standard_output(capsys, model, tmp_path):
    status, out, err = run(capsys, f"{model}:loss", "-o", "-")
    assert (status, err) == (0, "")
    check_numbers(exported_gradient(out))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["marker", "model.py"]


def test_output_keeps_the_permissions_of_the_file_it_replaces(capsys, model, tmp_path):
    output = tmp_path / "grad.py"
    output.write_text("old")
    output.chmod(0o640)
    assert run(capsys, f"{model}:loss", "-o", output)[0] == 0
    assert stat.S_IMODE(output.stat().st_mode) == 0o640
    check_numbers(exported_gradient(output.read_text()))
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_output_never_writes_through_a_symbolic_link(capsys, model, tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("precious")
    link = tmp_path / "grad.py"
    link.symlink_to(target)
    status, out, err = run(capsys, f"{model}:loss", "-o", link)
    assert status == 2 and "symbolic link" in err
    assert target.read_text() == "precious" and link.is_symlink()


def test_output_never_overwrites_the_input_even_under_another_name(capsys, model, tmp_path):
    other_name = tmp_path / "same.py"
    os.link(model, other_name)
    before = model.read_text()
    status, out, err = run(capsys, f"{model}:loss", "-o", other_name)
    assert status == 2 and "refusing to overwrite the input file" in err
    assert model.read_text() == before


def test_output_to_something_not_a_regular_file_is_refused(capsys, model, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    status, out, err = run(capsys, f"{model}:loss", "-o", fifo)
    assert status == 2 and "not a regular file" in err


@pytest.mark.parametrize("eps", ["0", "-1e-6", "nan", "inf", "-inf", "0.0", "1e-6x"])
def test_check_rejects_steps_that_are_not_positive_finite_numbers(capsys, model, eps):
    status, out, err = run(capsys, "check", f"{model}:loss", "--args", "[0.3, -0.8]", "0.5", f"--eps={eps}")
    assert status == 2 and "--eps" in err and out == ""


def test_check_takes_a_positive_step(capsys, model):
    status, out, err = run(capsys, "check", f"{model}:loss", "--args", "[0.3, -0.8]", "0.5", "--eps", "1e-6")
    assert status == 0 and "OK" in out


@pytest.mark.parametrize("wrt", ["²", "٣", "w,²", "ω!", "w,é-"])
def test_non_ascii_wrt_that_is_no_name_is_a_usage_error(capsys, model, wrt):
    status, out, err = run(capsys, f"{model}:loss", "--wrt", wrt)
    assert status == 2 and "--wrt" in err and "internal error" not in err


def test_wrt_names_are_normalized_as_python_normalizes_parameters(capsys, tmp_path):
    path = tmp_path / "greek.py"
    path.write_text("def loss(\u03c0, \ufb01):\n    return \u03c0 * \u03c0 * fi\n")  # fi: the ligature, normalized
    for wrt in ("\u03c0", "\ufb01", "fi", "1"):
        status, out, err = run(capsys, f"{path}:loss", "--wrt", wrt)
        assert (status, err) == (0, ""), wrt
