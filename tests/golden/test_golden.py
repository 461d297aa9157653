"""Golden files of generated code: ``srcdiff.source(f, wrt=...)`` of each function of functions.py, kept
(black-formatted, as srcdiff.source gives it) in expected/<name>.txt.

A change in the generated code fails here with a unified diff. When the change is intended, regenerate the
files and review them with ``git diff``::

    SRCDIFF_REGENERATE=1 python -m pytest tests/golden

Every case first checks srcdiff's gradient against central differences (``numerical_jacobian``), and stops
there when they disagree: a golden file cannot keep, nor regeneration write, code whose gradient is wrong.
"""

from pathlib import Path

import pytest

import srcdiff

from .check import assert_derivative_is_right, assert_matches_golden
from .functions import CASES

EXPECTED = Path(__file__).resolve().parent / "expected"


@pytest.mark.parametrize("name", sorted(CASES))
def test_generated_code_matches_its_golden_file(name):
    function, args, wrt = CASES[name]
    assert_derivative_is_right(function, args, wrt)
    path = EXPECTED / f"{name}.txt"
    actual = srcdiff.source(function, wrt=wrt).rstrip("\n") + "\n"
    expected = path.read_text() if path.exists() else None
    assert_matches_golden(actual, expected, f"tests/golden/expected/{path.name}", path.write_text)


def test_every_golden_file_has_a_case():
    stale = sorted(p.name for p in EXPECTED.glob("*.txt") if p.stem not in CASES)
    assert not stale, f"golden files without a case in functions.py (delete them): {stale}"
