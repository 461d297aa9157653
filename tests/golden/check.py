"""Compare generated code with the text kept in a golden file; rewrite the file on request.

A mismatch fails with a unified diff (the kept text against the text generated now). When a change to the
generated code is intended, regenerate every golden file and review the change with ``git diff``::

    SRCDIFF_REGENERATE=1 python -m pytest tests/golden tests/passes

Used by tests/golden (whole generated functions) and tests/passes (the output of one pass).
"""

import difflib
import os

import pytest

REGENERATE = os.environ.get("SRCDIFF_REGENERATE", "") not in ("", "0")
COMMAND = "SRCDIFF_REGENERATE=1 python -m pytest tests/golden tests/passes"


def unified_diff(expected: str, actual: str, where: str) -> str:
    """The lines that changed from ``expected`` to ``actual``, as ``diff -u`` shows them."""
    return "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=f"{where} (kept)",
            tofile=f"{where} (generated now)",
        )
    )


def assert_matches_golden(actual: str, expected: str | None, where: str, rewrite) -> None:
    """``actual`` equals ``expected`` (the text kept in ``where``; None when there is none yet), or, when
    regenerating, ``rewrite(actual)`` stores it."""
    if actual == expected:
        return
    if REGENERATE:
        rewrite(actual)
        return
    if expected is None:
        pytest.fail(f"{where} does not exist yet; create it with {COMMAND}", pytrace=False)
    pytest.fail(
        f"the generated code differs from {where}:\n\n{unified_diff(expected, actual, where)}\n"
        f"If the change is intended, regenerate the golden files ({COMMAND}) and review git diff.",
        pytrace=False,
    )
