"""Lesson 13: Newton's method, with srcdiff's gradients and Hessians.

Gradient descent steps along -grad f with a hand-picked rate. Newton's method uses the curvature too: it
jumps to the minimum of the quadratic that matches f's value, gradient and Hessian at the current point,

    x_next = x - H(x)^-1 grad f(x),

and near a minimum the number of correct digits roughly doubles every step.

1-d: f(x) = x**4 - 3x**3 + 2 has its minimum at x = 9/4; f'' comes from grad(grad(f)).
2-d: the Rosenbrock function (1 - x)**2 + 100 (y - x**2)**2, minimum at (1, 1): a narrow curved valley where
gradient descent crawls and Newton's method arrives in a handful of steps.

Run:  python examples/13_newtons_method.py
"""

from __future__ import annotations

import numpy as np
from _common import fmt, parse_args  # first: finds srcdiff

import srcdiff


def quartic(x):
    return x**4 - 3 * x**3 + 2


def rosenbrock(p):
    x, y = p[0], p[1]
    return (1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2


def newton_1d(x, steps):
    first = srcdiff.grad(quartic)
    second = srcdiff.grad(srcdiff.grad(quartic))
    for step in range(steps):
        x = x - first(x) / second(x)
        print(f"  step {step + 1}: x = {x:.15f}   f'(x) = {first(x):.3e}")
    return x


def newton_2d(p, steps):
    gradient = srcdiff.grad(rosenbrock)
    hessian = srcdiff.hessian(rosenbrock)
    for step in range(steps):
        p = p - np.linalg.solve(hessian(p), gradient(p))
        print(f"  step {step + 1}: p = {fmt(p)}   |grad| = {np.linalg.norm(gradient(p)):.3e}")
    return p


def main(argv=None):
    parse_args(__doc__.splitlines()[0], argv)
    print("Newton's method on x**4 - 3x**3 + 2 from x = 4 (minimum at 9/4 = 2.25):")
    x = newton_1d(4.0, 8)
    print("Newton's method on the Rosenbrock function from (-1.2, 1) (minimum at (1, 1)):")
    p = newton_2d(np.array([-1.2, 1.0]), 7)
    print(f"final: x = {x:.12f}, p = {fmt(p)}")
    return {"x": x, "p": p}


if __name__ == "__main__":
    main()
