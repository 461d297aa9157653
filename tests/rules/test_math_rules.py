"""The adjoints of the ``math`` module's functions (``srcdiff/rules/math_rules.py``), on floats."""

import inspect
import math
import sys

import numpy as np
import pytest

import srcdiff
from srcdiff import compiler
from srcdiff.rules import lookup

from .helpers import assert_gradient, name_of, sample, weights

# ---- functions of one argument -------------------------------------------------------------------
# Each result is squared, so the incoming cotangent is not 1 and a rule that drops it fails.


def m_sin(x):
    return math.sin(x) ** 2 + math.sin(x)


def m_cos(x):
    return math.cos(x) ** 2 + math.cos(x)


def m_tan(x):
    return math.tan(x) ** 2 + math.tan(x)


def m_asin(x):
    return math.asin(x) ** 2 + math.asin(x)


def m_acos(x):
    return math.acos(x) ** 2 + math.acos(x)


def m_atan(x):
    return math.atan(x) ** 2 + math.atan(x)


def m_sinh(x):
    return math.sinh(x) ** 2 + math.sinh(x)


def m_cosh(x):
    return math.cosh(x) ** 2 + math.cosh(x)


def m_tanh(x):
    return math.tanh(x) ** 2 + math.tanh(x)


def m_exp(x):
    return math.exp(x) ** 2 + math.exp(x)


def m_expm1(x):
    return math.expm1(x) ** 2 + math.expm1(x)


def m_log(x):
    return math.log(x) ** 2 + math.log(x)


def m_log1p(x):
    return math.log1p(x) ** 2 + math.log1p(x)


def m_log2(x):
    return math.log2(x) ** 2 + math.log2(x)


def m_log10(x):
    return math.log10(x) ** 2 + math.log10(x)


def m_sqrt(x):
    return math.sqrt(x) ** 2 + math.sqrt(x)


def m_fabs(x):
    return math.fabs(x) ** 2 + math.fabs(x)


def m_erf(x):
    return math.erf(x) ** 2 + math.erf(x)


# (function, points in its domain)
UNARY = [
    (m_sin, (-2.5, -0.3, 0.4, 1.9)),
    (m_cos, (-2.5, -0.3, 0.4, 1.9)),
    (m_tan, (-1.2, -0.3, 0.4, 1.1)),
    (m_asin, (-0.9, -0.3, 0.4, 0.8)),
    (m_acos, (-0.9, -0.3, 0.4, 0.8)),
    (m_atan, (-2.5, -0.3, 0.4, 1.9)),
    (m_sinh, (-1.5, -0.3, 0.4, 1.2)),
    (m_cosh, (-1.5, -0.3, 0.4, 1.2)),
    (m_tanh, (-1.5, -0.3, 0.4, 1.2)),
    (m_exp, (-1.5, -0.3, 0.4, 1.2)),
    (m_expm1, (-1.5, -0.3, 0.4, 1.2)),
    (m_log, (0.3, 0.9, 1.7, 4.0)),
    (m_log1p, (-0.5, 0.2, 1.7, 4.0)),
    (m_log2, (0.3, 0.9, 1.7, 4.0)),
    (m_log10, (0.3, 0.9, 1.7, 4.0)),
    (m_sqrt, (0.3, 0.9, 1.7, 4.0)),
    (m_fabs, (-1.5, -0.3, 0.4, 1.2)),
    (m_erf, (-1.5, -0.3, 0.4, 1.2)),
]


@pytest.mark.parametrize("fun, points", UNARY, ids=name_of)
def test_unary(fun, points):
    for x in points:
        (gradient,) = assert_gradient(fun, x)
        assert np.ndim(gradient) == 0


@pytest.mark.parametrize("fun", [m_sin, m_exp, m_log, m_sqrt], ids=name_of)
def test_numpy_scalars(fun):
    (gradient,) = assert_gradient(fun, np.float64(0.7))
    assert isinstance(gradient, np.float64)
    gradient32 = srcdiff.grad(fun)(np.float32(0.7))
    assert isinstance(gradient32, np.float32)
    assert gradient32 == pytest.approx(gradient, rel=1e-6)


# ---- functions of two arguments ------------------------------------------------------------------


def m_atan2(y, x):
    return math.atan2(y, x) ** 2 + math.atan2(y, x)


def m_hypot(x, y):
    return math.hypot(x, y) ** 2 + math.hypot(x, y)


def m_pow(x, y):
    return math.pow(x, y) ** 2 + math.pow(x, y)


def m_log_base(x, base):
    return math.log(x, base) ** 2 + math.log(x, base)


def m_copysign(x, y):
    return math.copysign(x, y) ** 3 + math.copysign(x, y)


BINARY = [
    (m_atan2, [(0.3, 0.8), (-0.7, 0.4), (0.5, -0.9), (-0.6, -1.1)]),
    (m_hypot, [(0.3, 0.8), (-0.7, 0.4), (1.5, -0.9)]),
    (m_pow, [(0.3, 0.8), (1.7, -1.4), (2.5, 3.0)]),
    (m_log_base, [(0.3, 2.0), (1.7, 10.0), (4.0, 0.5)]),
    (m_copysign, [(0.3, 0.8), (-0.7, 0.4), (0.5, -0.9), (-0.6, -1.1)]),
]


@pytest.mark.parametrize("fun, points", BINARY, ids=name_of)
def test_binary(fun, points):
    for x, y in points:
        assert_gradient(fun, x, y, wrt=(0, 1), nonzero=True)
        assert_gradient(fun, x, y, wrt=0)


def test_pow_of_negative_base_with_integer_exponent():
    # the exponent's derivative needs log(x), undefined for x < 0: only the base gets a gradient
    assert_gradient(m_pow, -1.5, 3.0, wrt=0)


def m_log_default_base(x):
    return math.log(x) * math.log(x, math.e)


def test_log_with_and_without_base():
    assert_gradient(m_log_default_base, 1.7)


# ---- math on values that come from numpy ---------------------------------------------------------


def m_mixed(x):
    total = float(np.sum(x * weights(x)))
    return math.exp(total / 4.0) + math.sin(total) * math.pi


def test_math_of_a_numpy_reduction():
    assert_gradient(m_mixed, sample((2, 3), seed=50))


# ---- functions without a gradient ----------------------------------------------------------------


def m_rounding(x):
    return x * (math.floor(x) + math.ceil(x) + math.trunc(x)) + math.sin(x)


def m_predicates(x):
    ok = math.isfinite(x) + math.isnan(x) + math.isinf(x)
    return x**2 * ok


def m_integers(x):
    n = math.factorial(3) + math.comb(5, 2) + math.gcd(12, 18)
    return math.exp(x) * n + x * math.floor(x * 10.0)


def m_sign_of(x):
    return x**2 * math.copysign(1.0, x)


@pytest.mark.parametrize("fun", [m_rounding, m_predicates, m_integers, m_sign_of], ids=name_of)
def test_nondifferentiable_functions_are_constants(fun):
    for x in (-1.37, -0.61, 0.13, 0.77, 2.29):
        assert_gradient(fun, x)


def test_copysign_gives_no_gradient_to_the_sign():
    gradient = srcdiff.grad(m_copysign, wrt=1)(0.7, -0.3)
    assert gradient == 0.0


# ---- generated code: simple rules are inlined ----------------------------------------------------


def g_sin(x):
    return math.sin(x)


def g_sqrt(x):
    return math.sqrt(x)


def g_atan2(y, x):
    return math.atan2(y, x)


@pytest.mark.parametrize(
    "fun, wrt, expected",
    [
        (g_sin, 0, "math.cos(x)"),
        (g_sqrt, 0, "0.5 / _t1"),
        (g_atan2, (0, 1), "(x * x + y * y)"),
    ],
    ids=name_of,
)
def test_simple_rules_are_inlined(fun, wrt, expected):
    text = srcdiff.source(fun, wrt=wrt)
    assert expected in text, text
    assert "as_tuple" not in text
    injected = compiler.derive(fun, wrt).injected.values()
    assert not any(getattr(v, "__module__", "").startswith("srcdiff.rules") for v in injected)


def test_every_math_rule_is_exercised():
    text = inspect.getsource(sys.modules[__name__])
    names = [name for name in dir(math) if lookup(getattr(math, name)) is not None]
    assert len(names) > 20
    missing = [name for name in names if f"math.{name}(" not in text]
    assert missing == [], f"rules without a test: {missing}"
