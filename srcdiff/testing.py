"""Check gradients against numbers: central finite differences and the dot-product test.

These are the checks srcdiff's own tests use; call them on your own functions and rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .api import _parameters
from .api import grad as _grad
from .compiler import resolve_wrt


@dataclass
class GradCheck:
    """The outcome of comparing srcdiff's gradient with a numerical one."""

    analytic: tuple
    numeric: tuple
    max_abs_error: float
    max_rel_error: float
    ok: bool

    def __str__(self):
        verdict = "agree" if self.ok else "DISAGREE"
        lines = [
            f"srcdiff and central differences {verdict}: max abs error {self.max_abs_error:.3g}, "
            f"max rel error {self.max_rel_error:.3g}"
        ]
        for index, (a, n) in enumerate(zip(self.analytic, self.numeric)):
            lines.append(
                f"  gradient {index}: srcdiff {np.array2string(np.asarray(a), precision=8)}"
            )
            lines.append(
                f"  {' ' * len(str(index))}           numeric {np.array2string(np.asarray(n), precision=8)}"
            )
        return "\n".join(lines)


def _wrt_positions(fun, wrt) -> tuple:
    """The names and positions of the parameters ``wrt`` selects."""
    parameters = _parameters(fun)
    names = resolve_wrt(parameters, wrt, getattr(fun, "__name__", "function"))
    return names, [parameters.index(n) for n in names]


def numerical_grad(fun, args: tuple, position: int, eps: float | None = None):
    """Central finite differences of ``fun`` with respect to ``args[position]``, element by element."""
    x = np.asarray(args[position], dtype=float)
    if eps is None:
        eps = 1e-6 if np.asarray(args[position]).dtype != np.float32 else 1e-3
    out = np.zeros(x.shape)
    flat = out.reshape(-1)
    for i in range(x.size):
        step = np.zeros(x.size)
        step[i] = eps * max(1.0, abs(x.reshape(-1)[i]))
        step = step.reshape(x.shape)
        plus = _with(args, position, _like(args[position], x + step))
        minus = _with(args, position, _like(args[position], x - step))
        flat[i] = (float(np.sum(fun(*plus))) - float(np.sum(fun(*minus)))) / (
            2 * step.reshape(-1)[i]
        )
    return out if x.shape else float(out)


def _with(args, position, value):
    return tuple(value if i == position else a for i, a in enumerate(args))


def _like(original, value):
    if isinstance(original, np.ndarray):
        return value.astype(original.dtype)
    return float(value)


def check_grad(fun, *args, wrt=0, eps=None, rtol=1e-5, atol=1e-7) -> GradCheck:
    """Compare srcdiff's gradient of ``fun`` at ``args`` with central finite differences."""
    names, positions = _wrt_positions(fun, wrt)
    analytic = _grad(fun, wrt=tuple(names))(*args)
    numeric = tuple(numerical_grad(fun, args, p, eps) for p in positions)
    worst_abs, worst_rel, ok = 0.0, 0.0, True
    for a, n, p in zip(analytic, numeric, positions):
        if np.shape(a) != np.shape(args[p]):
            ok = False
            worst_abs = worst_rel = float("inf")
            continue
        difference = np.abs(np.asarray(a, dtype=float) - n)
        worst_abs = max(worst_abs, float(np.max(difference, initial=0.0)))
        worst_rel = max(
            worst_rel, float(np.max(difference / np.maximum(np.abs(n), 1e-12), initial=0.0))
        )
        ok = ok and bool(np.allclose(a, n, rtol=rtol, atol=atol))
    return GradCheck(tuple(analytic), numeric, worst_abs, worst_rel, ok)


def assert_grad(fun, *args, wrt=0, eps=None, rtol=1e-5, atol=1e-7) -> GradCheck:
    """``check_grad``, raising AssertionError with a report when the gradients disagree."""
    result = check_grad(fun, *args, wrt=wrt, eps=eps, rtol=rtol, atol=atol)
    if not result.ok:
        raise AssertionError(str(result))
    return result


def dot_product_check(fun, *args, wrt=0, seed=0, eps=1e-6, rtol=1e-5):
    """The directional test: <grad f(x), v> equals (f(x + eps v) - f(x - eps v)) / (2 eps) for random v."""
    names, positions = _wrt_positions(fun, wrt)
    gradients = _grad(fun, wrt=tuple(names))(*args)
    rng = np.random.default_rng(seed)
    directions = [rng.standard_normal(np.shape(args[p])) for p in positions]
    analytic = sum(float(np.sum(np.asarray(g) * v)) for g, v in zip(gradients, directions))
    plus, minus = list(args), list(args)
    for p, v in zip(positions, directions):
        plus[p] = _like(args[p], np.asarray(args[p], dtype=float) + eps * v)
        minus[p] = _like(args[p], np.asarray(args[p], dtype=float) - eps * v)
    numeric = (float(np.sum(fun(*plus))) - float(np.sum(fun(*minus)))) / (2 * eps)
    return bool(np.isclose(analytic, numeric, rtol=rtol, atol=1e-7)), analytic, numeric
