"""The benchmark suite's baselines are right, and its harness runs and writes the JSON it documents."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.workloads import WORKLOADS
from srcdiff.testing import numerical_gradient

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_hand_gradient_matches_finite_differences(name):
    workload = WORKLOADS[name]
    args = workload.make_args("test")
    hand = workload.hand(*[np.copy(a) if np.ndim(a) else a for a in args])
    hand = hand if isinstance(workload.wrt, tuple) else (hand,)
    assert len(hand) == len(workload.wrt_positions)
    for analytic, position in zip(hand, workload.wrt_positions):
        numeric = numerical_gradient(workload.primal, args, position)
        assert np.shape(analytic) == np.shape(numeric)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)


def test_hand_gradient_does_not_modify_its_inputs():
    for workload in WORKLOADS.values():
        args = workload.make_args("test")
        before = [np.copy(a) for a in args]
        workload.hand(*args)
        for old, new in zip(before, args):
            np.testing.assert_array_equal(old, new)


def test_quick_run_writes_the_documented_json(tmp_path):
    out = tmp_path / "results.json"
    command = [sys.executable, "-m", "benchmarks", "--quick", "--no-peers", "--only", "cubic"]
    completed = subprocess.run(
        command + ["--json", str(out)], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    assert "cubic" in completed.stdout
    results = json.loads(out.read_text())
    assert set(results) >= {"meta", "workloads", "compiler", "summary"}
    assert results["meta"]["quick"] is True
    [cubic] = results["workloads"]
    assert cubic["name"] == "cubic" and cubic["kind"] == "scalar"
    methods = cubic["methods"]
    assert set(methods) == {"primal", "hand", "srcdiff"}
    assert methods["hand"]["status"] == "ok" and methods["hand"]["ratio"] == 1.0
    assert methods["srcdiff"]["status"] == "ok", methods["srcdiff"]
    assert methods["srcdiff"]["agrees"] is True
    assert methods["srcdiff"]["min_s"] > 0 and methods["srcdiff"]["ratio"] > 0
    assert {"import", "first_grad", "call_overhead"} <= set(results["compiler"])
    targets = results["summary"]["targets"]
    assert targets and all({"name", "value", "limit", "met"} <= set(t) for t in targets)
