"""Golden tests of single passes: a small function, and the text one stage of the compiler makes of it.

Each case is a file under cases/<pass>/ (one folder per pass: normalize, reverse, forward, optimize)::

    # pass: normalized
    # args: np.array([0.3, -0.7, 1.1]), 3
    # wrt: 0
    # mode: grad
    import numpy as np


    def f(x, n):
        ...
    # ---- expected
    def f(x, n):
        ...

The header names the stage (``srcdiff.compiler.stage_source``: "normalized" is the normalize pass's output,
"adjoint" the reverse pass's in mode "grad" or the forward pass's in mode "jvp", "optimized" the
optimiser's), the point ``args`` (a Python expression; ``np`` is numpy), and optionally ``wrt`` (default 0)
and ``mode`` (default "grad"). Then comes the module the case runs in, which defines ``f`` (and any helper
it calls), and after the ``# ---- expected`` line the stage's text.

Before comparing any text, a case checks numbers: srcdiff's gradient (mode "grad") or jvp (mode "jvp") of
``f`` at ``args`` against central differences, and for the stage "normalized" that the normalized function
computes what ``f`` computes. A mismatch of the text fails with a unified diff; when the change is intended,
rewrite the expected text of every case and review it with ``git diff``::

    SRCDIFF_REGENERATE=1 python -m pytest tests/passes
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from srcdiff import compiler, runtime

from golden.check import assert_derivative_is_right, assert_matches_golden, copies
from source_modules import import_source

CASES = Path(__file__).resolve().parent / "cases"
SEPARATOR = "# ---- expected"


@dataclass
class Case:
    """One case file: its header, the module it runs in, and the expected text of its stage."""

    path: Path
    header: dict
    source: str
    expected: str | None

    @classmethod
    def read(cls, path: Path) -> "Case":
        lines = path.read_text().splitlines(keepends=True)
        header = {}
        while lines and lines[0].startswith("# ") and ":" in lines[0] and lines[0] != SEPARATOR:
            key, _, value = lines.pop(0)[2:].partition(":")
            header[key.strip()] = value.strip()
        text = "".join(lines)
        source, found, expected = text.partition(SEPARATOR + "\n")
        return cls(path, header, source, expected if found else None)

    def write(self, expected: str) -> None:
        header = "".join(f"# {key}: {value}\n" for key, value in self.header.items())
        self.path.write_text(header + self.source + SEPARATOR + "\n" + expected)

    @property
    def name(self) -> str:
        return f"{self.path.parent.name}/{self.path.stem}"


def all_cases() -> list:
    return sorted(CASES.glob("*/*.txt"))


def assert_normalized_computes_the_same(module, text, args):
    """The normalized text, run in the case's module, gives ``f``'s value."""
    namespace = dict(vars(module), _rt=runtime)
    exec(compile(text, f"<normalized {module.__name__}>", "exec"), namespace)
    np.testing.assert_allclose(namespace["f"](*copies(args)), module.f(*copies(args)), rtol=1e-12)


@pytest.mark.parametrize("path", all_cases(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_pass_output_matches_its_case(path, tmp_path):
    case = Case.read(path)
    stage, mode = case.header["pass"], case.header.get("mode", "grad")
    wrt = ast.literal_eval(case.header.get("wrt", "0"))
    module = import_source(tmp_path, case.source, f"pass_{path.parent.name}_{path.stem}")
    args = eval(f"({case.header['args']},)", {"np": np})
    assert_derivative_is_right(module.f, args, wrt, mode)
    actual = compiler.stage_source(module.f, wrt, stage, mode=mode).rstrip("\n") + "\n"
    if stage == "normalized":
        assert_normalized_computes_the_same(module, actual, args)
    where = f"tests/passes/cases/{case.name}.txt"
    assert_matches_golden(actual, case.expected, where, case.write)


def test_there_are_cases_for_every_pass():
    folders = {path.parent.name for path in all_cases()}
    assert folders == {"normalize", "reverse", "forward", "optimize"}
