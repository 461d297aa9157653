"""The teaching examples run, and compute the numbers their lessons promise.

Each lesson is imported from examples/ and its main() called with --no-plots (one test also draws its picture).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"
QUIET = ["--no-plots", "--no-progress"]


def load_lesson(stem: str):
    """Import examples/<stem>.py (file names starting with a digit cannot be imported by name)."""
    if str(EXAMPLES_DIR) not in sys.path:
        sys.path.insert(0, str(EXAMPLES_DIR))
    name = "srcdiff_example_" + stem
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, EXAMPLES_DIR / f"{stem}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def run(stem: str, *options: str) -> dict:
    return load_lesson(stem).main([*QUIET, *options])


def test_every_lesson_has_the_common_shape():
    lessons = sorted(EXAMPLES_DIR.glob("[0-9][0-9]_*.py"))
    assert [p.name[:2] for p in lessons] == [f"{i:02d}" for i in range(1, 15)]
    for path in lessons:
        text = path.read_text()
        assert "def main(argv=None):" in text, path.name
        assert 'if __name__ == "__main__":\n    main()' in text, path.name


def test_01_derivative(capsys):
    result = run("01_derivative")
    np.testing.assert_allclose(result["derivative"], 6.0, rtol=1e-12)
    np.testing.assert_allclose(result["by_hand"], 6.0)
    np.testing.assert_allclose(result["numerical"], 6.0, atol=1e-5)
    errors = result["errors"]
    # Truncation error dominates for large h (the error of (f(x+h) - f(x))/h for x**2 is exactly h) ...
    np.testing.assert_allclose(errors[1e-1], 0.1, rtol=1e-6)
    np.testing.assert_allclose(errors[1e-4], 1e-4, rtol=1e-3)
    # ... rounding error for tiny h: the error turns back up.
    assert 1e-9 <= result["best_h"] <= 1e-6
    assert errors[1e-12] > 100 * errors[result["best_h"]]
    assert "derivative at x=3: 6.0" in capsys.readouterr().out


def test_02_rules():
    result = run("02_rules")
    np.testing.assert_allclose(result["cube"], 12.0, rtol=1e-12)
    np.testing.assert_allclose(result["chain_cubed"], 300.0, rtol=1e-12)
    np.testing.assert_allclose(result["chain_squared"], 48.0, rtol=1e-12)


def test_03_partial_derivatives():
    result = run("03_partial_derivatives")
    np.testing.assert_allclose([result["df_dx"], result["df_dy"]], [13.0, 12.0], rtol=1e-12)
    np.testing.assert_allclose([result["dg_dx"], result["dg_dy"]], [3.0, 8.0], rtol=1e-12)


def test_04_gradient():
    result = run("04_gradient")
    np.testing.assert_allclose(result["gradient"], [6.0, 8.0], rtol=1e-12)
    np.testing.assert_allclose(result["magnitude"], 10.0, rtol=1e-12)
    np.testing.assert_allclose(result["descent"], [-0.6, -0.8], rtol=1e-12)


def test_05_exercises():
    result = run("05_exercises")
    for (x, y), gradient in zip(result["bowl_points"], result["bowl_gradients"]):
        np.testing.assert_allclose(gradient, [2 * x + y, x + 2 * y], rtol=1e-12)
    np.testing.assert_allclose(result["d_cubic"], 14.0, rtol=1e-12)
    np.testing.assert_allclose(result["d_parabola"], 8.0, rtol=1e-12)
    np.testing.assert_allclose(result["new_theta"], 2.2, rtol=1e-12)


def test_06_linear_regression():
    result = run("06_linear_regression")
    start = result["start"]
    np.testing.assert_allclose(start["loss"], 2.75, rtol=1e-12)
    np.testing.assert_allclose(start["dw"], -9.4, rtol=1e-12)
    np.testing.assert_allclose(start["db"], -3.0, rtol=1e-12)
    # Gradient descent finds the least-squares line w = 0.6, b = 2.2.
    np.testing.assert_allclose([result["w"], result["b"]], [0.6, 2.2], atol=1e-4)
    np.testing.assert_allclose([result["w_exact"], result["b_exact"]], [0.6, 2.2], atol=1e-12)


def test_07_gradient_descent_variants():
    result = run("07_gradient_descent_variants", "--epochs", "5")
    histories = {name: r["history"] for name, r in result.items()}
    for name, history in histories.items():
        assert len(history) == 6, name
        assert history[-1] < history[0], name
    # Same number of epochs: more (smaller) steps get further.
    assert histories["stochastic"][-1] < histories["full batch"][-1]
    assert histories["mini-batch"][-1] < histories["full batch"][-1]
    # Mini-batch recovers the weights of the synthetic data within a few epochs.
    np.testing.assert_allclose(result["mini-batch"]["w"], [2.0, -3.0, 0.5], atol=0.1)


def test_08_learning_rates():
    result = run("08_learning_rates")
    small, good, large = (result[k]["history"] for k in ("too small", "good", "too large"))
    assert large[-1] > 1e3 * large[0]  # diverges
    assert good[-1] < small[-1] < small[0]  # both descend; the good rate much further
    np.testing.assert_allclose(good[-1], result["best_loss"], rtol=1e-6)
    assert result["too large"]["rate"] > 2 / result["lambda_max"] > result["good"]["rate"]


def test_09_backpropagation():
    result = run("09_backpropagation")
    z = 0.5 * 2.0 + 0.1
    a = 1 / (1 + np.exp(-z))
    dL_dz = 2 * (a - 1.0) * a * (1 - a)
    np.testing.assert_allclose(result["loss"], (a - 1.0) ** 2, rtol=1e-12)
    np.testing.assert_allclose(result["dL_da"], 2 * (a - 1.0), rtol=1e-12)
    np.testing.assert_allclose(result["dL_dz"], dL_dz, rtol=1e-12)
    np.testing.assert_allclose(result["dL_dw"], dL_dz * 2.0, rtol=1e-12)
    np.testing.assert_allclose(result["dL_db"], dL_dz, rtol=1e-12)
    np.testing.assert_allclose(result["dL_dw"], result["by_hand"]["dL_dw"], rtol=1e-12)
    np.testing.assert_allclose(result["dL_dw"], -0.18717, atol=1e-5)


def test_10_neural_network():
    pytest.importorskip("sklearn")
    result = run("10_neural_network", "--epochs", "5")
    assert result["history"][-1] < result["history"][0]
    assert result["test_accuracy"] > 0.9


def test_11_loss_landscape():
    result = run("11_loss_landscape")
    np.testing.assert_allclose(result["start_gradient"], [-8.0, 20.0], rtol=1e-12)
    # Each step multiplies x by 0.7 and y by -0.5 (rate 0.15 on x**2 + 5 y**2).
    np.testing.assert_allclose(result["path"][1], [-2.8, -1.0], rtol=1e-12)
    np.testing.assert_allclose(
        result["final_point"], [-4.0 * 0.7**20, 2.0 * (-0.5) ** 20], rtol=1e-9
    )


def test_11_draws_its_picture(tmp_path):
    pytest.importorskip("matplotlib")
    load_lesson("11_loss_landscape").main(["--no-progress", "--outdir", str(tmp_path)])
    picture = tmp_path / "11_loss_landscape.png"
    assert picture.exists()
    assert picture.stat().st_size > 1000
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_plots_from_the_environment(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.setenv("SRCDIFF_NO_PLOTS", "1")
    load_lesson("04_gradient").main(["--outdir", str(tmp_path)])
    assert list(tmp_path.iterdir()) == []


def test_run_all_runs_every_lesson(capsys):
    spec = importlib.util.spec_from_file_location(
        "srcdiff_example_run_all", EXAMPLES_DIR / "run_all.py"
    )
    run_all = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_all)
    # The quick lessons only: the slow ones are covered above with fewer epochs.
    assert run_all.main(["--no-plots", "--no-progress", "01", "02", "05"]) == 0
    assert "3 of 3 lessons ran" in capsys.readouterr().out


def test_lesson_12_jacobians_and_hessians():
    result = run("12_jacobians_and_hessians")
    np.testing.assert_allclose(result["jacobian_forward"], result["jacobian_exact"], rtol=1e-12)
    np.testing.assert_allclose(result["jacobian_reverse"], result["jacobian_exact"], rtol=1e-12)
    np.testing.assert_allclose(result["hessian"], [[2.0, 1.0], [1.0, 2.0]])
    assert result["d2f_dx2"] == pytest.approx(2.0)


def test_lesson_13_newtons_method():
    result = run("13_newtons_method")
    assert result["x"] == pytest.approx(2.25, abs=1e-12)
    np.testing.assert_allclose(result["p"], [1.0, 1.0], atol=1e-10)


def test_14_lstm():
    pytest.importorskip("scipy")
    result = run("14_lstm", "--steps", "200", "--length", "12")
    assert result["check_ok"]
    assert np.mean(result["history"][-20:]) < 0.5 * np.mean(result["history"][:20])
    assert result["test_error"] < 0.1
    assert result["polished_error"] < 0.5 * result["error_before_polish"]

