"""Check derivatives against numbers: central finite differences and the dot-product test.

srcdiff's own tests use these checks; call them on your own functions and rules.

Numerical derivatives (plain numpy, no srcdiff involved, so they can judge srcdiff's):

- ``numerical_jacobian(f, args, position=0)``: the Jacobian of ``f`` at ``args`` with respect to
  ``args[position]``, shaped as ``srcdiff.jacobian`` shapes it: output shape + input shape.
- ``numerical_gradient(f, args, position=0)``: the same for a function with a scalar output, shaped
  like the input (a float for a number), as ``srcdiff.grad`` returns it.
- ``numerical_jvp(f, args, tangents)``: the derivative of ``f`` along ``tangents`` (one per argument,
  None for the constants), shaped like the output, as ``srcdiff.jvp`` returns it.

All use central differences, (f(x + h) - f(x - h)) / 2h: their error shrinks like h squared until
rounding takes over. ``numerical_jacobian`` and ``numerical_gradient`` move one input element at a time
by ``eps * max(1, |x_i|)``, and divide by the step the arguments really took, so an element far from
zero is moved as far in relative terms and float32 inputs keep their dtype; ``numerical_jvp`` moves
every argument by ``eps`` times its tangent. ``eps`` is 1e-6 by default, and 1e-3 when an input is a
float32 or float16 array. A function that returns a tuple gets a tuple of derivatives.

>>> import numpy as np
>>> np.round(numerical_gradient(lambda x: np.sum(x**2), (np.array([1.0, -2.0]),)), 6)
array([ 2., -4.])
>>> np.round(numerical_jacobian(lambda x, a: a * np.sin(x), (np.array([0.0, np.pi]), 3.0)), 6)
array([[ 3.,  0.],
       [ 0., -3.]])
>>> np.round(numerical_jacobian(lambda x, a: a * np.sin(x), (np.array([0.0, np.pi]), 3.0), 1), 6)
array([0., 0.])
>>> round(numerical_jvp(lambda x, y: x * y, (2.0, 5.0), (1.0, None)), 6)
5.0

Checks of srcdiff's derivatives (of functions defined in a file, as srcdiff needs):

- ``check_grad(f, *args, wrt=...)`` compares ``srcdiff.grad`` with ``numerical_gradient`` element by
  element and returns a ``GradCheck`` (printable); ``assert_grad`` raises when they disagree.
- ``dot_product_check(f, *args, wrt=...)`` compares the gradient's dot product with a random direction
  with ``numerical_jvp`` along it: one pair of function calls, whatever the size of the input.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import tree
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


def _default_step(*values) -> float:
    """1e-6, or 1e-3 when a value is a float32 or float16 array (their rounding error is larger)."""
    low_precision = any(
        isinstance(v, np.ndarray) and v.dtype in (np.float32, np.float16) for v in values
    )
    return 1e-3 if low_precision else 1e-6


def _like(original, value):
    """``value`` (a float64 array) as the kind of value ``original`` is: an array of its floating dtype,
    or a Python float for a number."""
    if isinstance(original, np.ndarray):
        return value.astype(original.dtype if original.dtype.kind == "f" else float)
    if np.ndim(original) == 0:
        return float(value)
    return value


def _with(args, position, value) -> tuple:
    return tuple(value if i == position else a for i, a in enumerate(args))


def _quotient(plus, minus, step):
    """(plus - minus) / step for an output, or for each member of a tuple of outputs."""
    if isinstance(plus, tuple):
        return tuple(_quotient(p, m, step) for p, m in zip(plus, minus))
    return (np.asarray(plus, dtype=float) - np.asarray(minus, dtype=float)) / step


def _stacked(columns: list, input_shape: tuple, output):
    """The columns of a Jacobian, one per input element, as one array: output shape + input shape."""
    if isinstance(output, tuple):
        return tuple(
            _stacked([column[k] for column in columns], input_shape, member)
            for k, member in enumerate(output)
        )
    output_shape = np.shape(output)
    if not columns:
        return np.zeros(output_shape + input_shape)
    stacked = np.array(columns).reshape(input_shape + output_shape)
    return np.moveaxis(stacked, tuple(range(len(input_shape))), tuple(range(-len(input_shape), 0)))


def numerical_jacobian(fun, args, position: int = 0, eps: float | None = None):
    """Central differences of ``fun(*args)`` with respect to ``args[position]``: an array of shape
    output shape + input shape (a tuple of them when ``fun`` returns a tuple)."""
    args = tuple(args)
    original = args[position]
    x = np.asarray(original, dtype=float)
    eps = _default_step(original) if eps is None else eps
    columns = []
    output = None
    for i, value in enumerate(x.reshape(-1)):
        step = np.zeros(x.size)
        step[i] = eps * max(1.0, abs(value))
        moved = [_like(original, x + sign * step.reshape(x.shape)) for sign in (1.0, -1.0)]
        taken = float(np.reshape(np.asarray(moved[0], dtype=float) - moved[1], -1)[i])
        output = fun(*_with(args, position, moved[0]))
        columns.append(_quotient(output, fun(*_with(args, position, moved[1])), taken))
    if output is None:
        output = fun(*args)
    return _stacked(columns, x.shape, output)


def numerical_gradient(fun, args, position: int = 0, eps: float | None = None):
    """Central differences of ``fun(*args)``, a number (or an array of one number, as ``srcdiff.grad``
    accepts), with respect to ``args[position]``: shaped like that argument, a float for a number, a tree of
    the same structure for a parameter tree (a dict, list or tuple; see ``srcdiff.tree``).
    """
    value = args[position]
    if tree.is_tree(value):  # a parameter tree: through one vector of its leaves
        vector, unravel = tree.ravel(value)

        def flat(v):
            return fun(*args[:position], unravel(v), *args[position + 1 :])

        gradient = unravel(numerical_gradient(flat, (vector,), 0, eps))
        # a leaf that is not a floating-point number or array (an integer, a string) has no gradient
        return tree.tree_map(lambda g, x: g if tree.is_differentiable(x) else None, gradient, value)
    gradient = numerical_jacobian(lambda *a: _scalar_output(fun(*a)), args, position, eps)
    return gradient if np.ndim(value) else float(gradient)


def _scalar_output(value) -> float:
    if np.size(value) != 1 or isinstance(value, tuple):
        raise ValueError(
            f"numerical_gradient needs a function with a scalar output, not one of shape "
            f"{np.shape(value)}; use numerical_jacobian"
        )
    return float(np.reshape(value, -1)[0])


def numerical_grad(fun, args: tuple, position: int, eps: float | None = None):
    """``numerical_gradient`` of the sum of ``fun``'s output (the name this module gave it first)."""
    return numerical_gradient(lambda *a: np.sum(fun(*a)), args, position, eps)


def numerical_jvp(fun, args, tangents, eps: float | None = None):
    """Central differences of ``fun(*args)`` along ``tangents`` (one per argument, None for an argument
    that stays put): (f(args + eps tangents) - f(args - eps tangents)) / 2 eps, shaped like the output
    (a float for a number, a tuple for a tuple)."""
    args, tangents = tuple(args), tuple(tangents)
    if len(tangents) != len(args):
        raise ValueError(
            f"numerical_jvp needs a tangent (or None) for each of the {len(args)} arguments"
        )
    eps = (
        _default_step(*(a for a, t in zip(args, tangents) if t is not None)) if eps is None else eps
    )
    moved = [
        [
            a if t is None else _like(a, np.asarray(a, dtype=float) + sign * eps * np.asarray(t))
            for a, t in zip(args, tangents)
        ]
        for sign in (1.0, -1.0)
    ]
    return _as_output(_quotient(fun(*moved[0]), fun(*moved[1]), 2 * eps))


def _as_output(value):
    """A derivative as srcdiff returns one: a float for a 0-d array, tuples member by member."""
    if isinstance(value, tuple):
        return tuple(_as_output(v) for v in value)
    return float(value) if np.ndim(value) == 0 else value


def check_grad(fun, *args, wrt=0, eps=None, rtol=1e-5, atol=1e-7) -> GradCheck:
    """Compare srcdiff's gradient of ``fun`` at ``args`` with central finite differences."""
    names, positions = _wrt_positions(fun, wrt)
    analytic = _grad(fun, wrt=tuple(names))(*args)
    numeric = tuple(numerical_gradient(fun, args, p, eps) for p in positions)
    worst_abs, worst_rel, ok = 0.0, 0.0, True
    for a, n, p in zip(analytic, numeric, positions):
        if tree.is_tree(args[p]):  # a parameter tree: compared leaf by leaf
            same = tree.flatten(a)[1] == tree.flatten(n)[1]
            a, n = (tree.ravel(a)[0], tree.ravel(n)[0]) if same else (None, None)
        if a is None or np.shape(a) != np.shape(n):
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
    tangents = [None] * len(args)
    for p, v in zip(positions, directions):
        tangents[p] = v
    numeric = numerical_jvp(lambda *a: float(np.sum(fun(*a))), args, tangents, eps)
    return bool(np.isclose(analytic, numeric, rtol=rtol, atol=1e-7)), analytic, numeric
