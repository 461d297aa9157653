"""The optimiser's output reads as a person would write it, and its gradients stay right.

Each case checks a property of the generated source (read back as a syntax tree or as lines) and the gradient
against central finite differences.
"""

import ast

import numpy as np
import pytest

import srcdiff
from srcdiff import testing
from srcdiff.naming import Namer, NamingConvention


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


# ---- only adjoints assigned a number are replaced by it; the user's numbers keep their names -------------------


def scaled_by_beta(x):
    beta = 0.5
    return np.sum(x**2) * beta


def beta_and_eta(x):
    eta = x * 3.0
    beta = 2.0
    return np.sum(eta * x) * beta


@pytest.mark.parametrize("function", [scaled_by_beta, beta_and_eta])
def test_user_name_spelled_like_an_adjoint_keeps_its_number(function):
    assert "beta" in _assigned(function)
    testing.assert_grad(function, np.array([1.0, -2.0, 0.5]))


def test_adjoints_are_told_by_who_made_them():
    namer = Namer({"x", "eta", "beta"})
    assert namer.adjoint("eta") == "beta_1"  # "beta" is the user's
    assert namer.is_adjoint("beta_1") and not namer.is_adjoint("beta")
    assert namer.is_adjoint(namer.adjoint("x")) and not namer.is_adjoint("x")
    temporary = namer.fresh()
    assert namer.is_temporary(temporary) and not namer.is_temporary("eta")


def test_adjoints_are_told_by_their_names_without_a_namer():
    names = NamingConvention({"x", "eta", "beta", "_t1"})
    assert names.is_adjoint("beta_1") and names.is_adjoint("bx") and names.is_adjoint("b_t1")
    assert not names.is_adjoint("beta") and not names.is_adjoint("bias")
    assert names.is_temporary("_t1") and not names.is_temporary("eta")


# ---- the user's names survive in the forward sweep ----------------------------------------------------------
