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


def matrix_inverse_quadratic(A, b):
    M = A @ A.T + 2.0 * np.eye(A.shape[0])
    return b @ np.linalg.inv(M) @ b


def kl_divergence(p, logits_q):
    q = np.exp(logits_q) / np.sum(np.exp(logits_q))
    return np.sum(p * (np.log(p) - np.log(q)))


def _user_names(function) -> set:
    tree = ast.parse(srcdiff.source(function, stage="parsed", format=False))
    return {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }


@pytest.mark.parametrize(
    "function, args, wrt",
    [
        (matrix_inverse_quadratic, (np.array([[1.0, 0.5], [-0.3, 2.0]]), np.array([0.7, -1.2])), 0),
        (kl_divergence, (np.array([0.2, 0.3, 0.5]), np.array([0.1, -0.4, 1.3])), 1),
        (alias_read_after_update, (0.75,), 0),
        (float_alias_read_after_update, (1.5,), 0),
    ],
)
def test_adjoints_speak_of_names_in_the_code(function, args, wrt):
    """Where the backward sweep has ``bz`` for a name ``z`` of the user's, the forward sweep assigns ``z``."""
    source = srcdiff.source(function, wrt, format=False)
    words = set(source.replace("(", " ").replace(")", " ").replace(",", " ").split())
    spoken_of = {name for name in _user_names(function) if "b" + name in words}
    assert spoken_of and spoken_of <= _assigned(function, wrt=wrt)
    testing.assert_grad(function, *args, wrt=wrt)


def test_written_names_are_told_from_made_up_ones():
    namer = Namer({"x", "z"})
    temporary, adjoint = namer.fresh(), namer.adjoint("z")
    assert namer.is_written("z") and namer.is_written(namer.unique("z"))  # z_1 renames z
    assert not namer.is_written(temporary) and not namer.is_written(adjoint)
    assert not namer.is_written(namer.unique("square__t1", temporary=True))
    # a Hessian's code is a gradient: its adjoints, temporaries and inlined helpers' temporaries are primal
    names = NamingConvention({"x", "z", "_t4", "b_t4", "bz", "square_x", "square__t1"})
    assert names.is_written("z") and names.is_written("square_x")
    assert not any(map(names.is_written, ["_t4", "b_t4", "bz", "square__t1"]))
