"""Compare generated code with the text kept in a golden file; rewrite the file on request.

A mismatch fails with a unified diff (the kept text against the text generated now). When a change to the
generated code is intended, regenerate every golden file and review the change with ``git diff``::

    SRCDIFF_REGENERATE=1 python -m pytest tests/golden tests/passes

Before any text is compared or written, ``assert_derivative_is_right`` checks the derivative the code computes
against central differences: a golden file cannot keep, nor regeneration write, code that computes a wrong one.

Used by tests/golden (whole generated functions) and tests/passes (the output of one pass).
"""

import difflib
import inspect
import os

import numpy as np
import pytest

import srcdiff
from srcdiff import compiler
from srcdiff.testing import numerical_jacobian, numerical_jvp

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


def copies(args) -> list:
    """The arguments, arrays copied: a function that writes into its input cannot change the point."""
    return [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]


def tangents_for(args, positions) -> tuple:
    """A tangent for each argument differentiated against (distinct values, so a mix-up shows), None for
    the others."""
    tangents = []
    for position, value in enumerate(args):
        if position not in positions:
            tangents.append(None)
            continue
        size = int(np.size(value))
        direction = 0.5 + np.cos(1.7 * np.arange(size) + position)
        tangents.append(
            direction.reshape(np.shape(value)) if np.ndim(value) else float(direction[0])
        )
    return tuple(tangents)


def assert_derivative_is_right(function, args, wrt, mode="grad"):
    """srcdiff's gradient (mode "grad") or jvp (mode "jvp") of ``function`` at ``args`` equals central
    differences."""
    parameters = list(inspect.signature(function).parameters)
    names = compiler.resolve_wrt(parameters, wrt, function.__name__)
    positions = [parameters.index(name) for name in names]
    if mode == "grad":
        gradients = srcdiff.grad(function, wrt=tuple(names))(*copies(args))
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
        return
    tangents = tangents_for(args, positions)
    output, tangent = srcdiff.jvp(function, copies(args), tangents)
    np.testing.assert_allclose(output, function(*copies(args)), rtol=1e-12)
    np.testing.assert_allclose(
        tangent, numerical_jvp(function, copies(args), tangents), rtol=1e-6, atol=1e-8
    )
