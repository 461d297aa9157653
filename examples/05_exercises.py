"""Lesson 5: the exercises, worked and checked.

1. The gradient of f(x, y) = x**2 + xy + y**2 is (2x + y, x + 2y). Checked at several points.
2. The derivative of x**3 + 2x at x = 2 is 3x**2 + 2 = 14.
3. The slope of y = x**2 + 2x + 1 at x = 3 is 2x + 2 = 8.
4. One step of gradient descent: theta_new = theta - rate * gradient. From theta = 3 with rate 0.1 on the
   function of exercise 3 (gradient 8 at 3): 3 - 0.1 * 8 = 2.2. The step goes downhill: y falls.

Run:  python examples/05_exercises.py [--no-plots]
"""

from __future__ import annotations

import numpy as np
from _common import central_difference, fmt, parse_args  # first: finds srcdiff

import srcdiff


def bowl(x, y):
    return x**2 + x * y + y**2


def cubic(x):
    return x**3 + 2 * x


def parabola(x):
    return x**2 + 2 * x + 1


def main(argv=None):
    parse_args(__doc__.splitlines()[0], argv)

    # Exercise 1: compare srcdiff's gradient with the formula at a few points, including negative ones.
    print("exercise 1: gradient of x**2 + xy + y**2 is (2x + y, x + 2y)")
    grad_bowl = srcdiff.grad(bowl, wrt=("x", "y"))
    points = [(1.0, 2.0), (-1.5, 0.5), (3.0, -4.0)]
    gradients = []
    for x, y in points:
        gradient = np.array(grad_bowl(x, y))
        formula = np.array([2 * x + y, x + 2 * y])
        gradients.append(gradient)
        print(f"  at ({fmt(x)}, {fmt(y)}): srcdiff {fmt(gradient)}, formula {fmt(formula)}")

    # Exercise 2.
    d_cubic = srcdiff.grad(cubic)(2.0)
    print("exercise 2: d/dx (x**3 + 2x) = 3x**2 + 2")
    print(f"  derivative at x=2: {fmt(d_cubic)}  (numerical {fmt(central_difference(cubic, 2.0))})")

    # Exercise 3.
    d_parabola = srcdiff.grad(parabola)(3.0)
    print("exercise 3: d/dx (x**2 + 2x + 1) = 2x + 2")
    print(
        f"  slope at x=3: {fmt(d_parabola)}  (numerical {fmt(central_difference(parabola, 3.0))})"
    )

    # Exercise 4: one gradient-descent step on the parabola.
    theta, rate = 3.0, 0.1
    gradient = srcdiff.grad(parabola)(theta)
    new_theta = theta - rate * gradient
    print("exercise 4: theta_new = theta - rate * gradient")
    print(f"  theta={fmt(theta)} rate={fmt(rate)} gradient={fmt(gradient)}")
    print(f"  theta after one step: {fmt(new_theta)}")
    print(f"  loss before and after: {fmt(parabola(theta))} -> {fmt(parabola(new_theta))}")

    return {
        "bowl_points": points,
        "bowl_gradients": gradients,
        "d_cubic": d_cubic,
        "d_parabola": d_parabola,
        "new_theta": new_theta,
    }


if __name__ == "__main__":
    main()
