"""Golden files of generated code: ``srcdiff.source(f, wrt=...)`` of each function of functions.py, kept
(black-formatted, as srcdiff.source gives it) in expected/<name>.txt.

A change in the generated code fails here with a unified diff. When the change is intended, regenerate the
files and review them with ``git diff``::

    SRCDIFF_REGENERATE=1 python -m pytest tests/golden

Every case first checks srcdiff's gradient against central differences (``numerical_jacobian``), and stops
there when they disagree: a golden file cannot keep, nor regeneration write, code whose gradient is wrong.
"""

from pathlib import Path

import numpy as np
import pytest

import srcdiff
from srcdiff.testing import numerical_jacobian

from .check import assert_matches_golden
from .functions import CASES

EXPECTED = Path(__file__).resolve().parent / "expected"


def copies(args) -> tuple:
    return tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)


def assert_gradient_is_right(function, args, wrt):
    positions = wrt if isinstance(wrt, tuple) else (wrt,)
    gradients = srcdiff.grad(function, wrt=positions)(*copies(args))
    for position, gradient in zip(positions, gradients):
        expected = numerical_jacobian(function, copies(args), position)
        assert np.shape(gradient) == np.shape(args[position])
        np.testing.assert_allclose(
            gradient,
            expected,
            rtol=1e-6,
            atol=1e-8,
            err_msg=f"{function.__name__}: the gradient with respect to argument {position}",
        )


@pytest.mark.parametrize("name", sorted(CASES))
def test_generated_code_matches_its_golden_file(name):
    function, args, wrt = CASES[name]
    assert_gradient_is_right(function, args, wrt)
    path = EXPECTED / f"{name}.txt"
    actual = srcdiff.source(function, wrt=wrt).rstrip("\n") + "\n"
    expected = path.read_text() if path.exists() else None
    assert_matches_golden(actual, expected, f"tests/golden/expected/{path.name}", path.write_text)


def test_every_golden_file_has_a_case():
    stale = sorted(p.name for p in EXPECTED.glob("*.txt") if p.stem not in CASES)
    assert not stale, f"golden files without a case in functions.py (delete them): {stale}"
