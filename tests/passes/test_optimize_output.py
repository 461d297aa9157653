"""The optimiser's output reads as a person would write it, and its gradients stay right.

Each case checks a property of the generated source (read back as a syntax tree or as lines) and the gradient
against central finite differences.
"""

import ast

import numpy as np
import pytest

import srcdiff
from srcdiff import testing


def _lines(function, **options) -> list:
    return srcdiff.source(function, format=False, **options).splitlines()


def _assigned(function, **options) -> set:
    tree = ast.parse(srcdiff.source(function, format=False, **options))
    return {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }


# ---- a "# grad of: ..." comment stands above statements of its own -----------------------------------------


def alias_read_after_update(x):
    y = x * 2.0
    z = y
    y += x
    return np.sum(z * x)


def returns_a_copy(u):
    return u + 0.0


def float_alias_read_after_update(x):
    total = x * 2.0
    old = total
    total += x
    return total * old


def _orphan_comments(lines: list) -> list:
    orphans = []
    for index, line in enumerate(lines):
        if not line.strip().startswith("# grad of:"):
            continue
        indent = len(line) - len(line.lstrip())
        following = next((l for l in lines[index + 1 :] if l.strip()), "")
        text = following.strip()
        if (
            len(following) - len(following.lstrip()) < indent
            or text.startswith("#")
            or text.startswith("return")
            or text.startswith("def ")
            or not text
        ):
            orphans.append(line.strip())
    return orphans


@pytest.mark.parametrize(
    "function, args",
    [
        (alias_read_after_update, (0.75,)),
        (returns_a_copy, (1.5,)),
        (float_alias_read_after_update, (1.5,)),
    ],
)
def test_no_comment_without_statements(function, args):
    assert _orphan_comments(_lines(function)) == []
    testing.assert_grad(function, *args)


# ---- the user's names survive in the forward sweep ----------------------------------------------------------
