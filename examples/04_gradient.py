"""Lesson 4: the gradient vector.

The gradient collects all partial derivatives into one vector: grad f = (df/dx, df/dy). It points in the
direction in which f rises fastest, and its length is that rate of rise. So -grad f / |grad f| is the
direction of steepest descent: the way downhill, used by every training loop in the later lessons.

f(x, y) = x**2 + y**2 at (3, 4):  grad f = (2x, 2y) = (6, 8),  |grad f| = 10,
steepest-descent direction = -(6, 8) / 10 = (-0.6, -0.8): straight towards the minimum at the origin.

srcdiff returns the two partials as a tuple; np.array turns them into the vector.

Run:  python examples/04_gradient.py [--no-plots] [--outdir DIR]
"""

from __future__ import annotations

import numpy as np
from _common import fmt, numerical_gradient, parse_args, pyplot, save_figure  # first: finds srcdiff

import srcdiff


def f(x, y):
    return x**2 + y**2


def main(argv=None):
    args = parse_args(__doc__.splitlines()[0], argv)
    point = np.array([3.0, 4.0])

    gradient = np.array(srcdiff.grad(f, wrt=("x", "y"))(*point))
    magnitude = np.linalg.norm(gradient)  # sqrt(6**2 + 8**2) = 10
    descent = -gradient / magnitude  # a unit vector, pointing downhill

    print(f"gradient at (3, 4): {fmt(gradient)}")
    print(f"numerical gradient: {fmt(numerical_gradient(lambda p: f(*p), point))}")
    print(f"gradient magnitude: {fmt(magnitude)}")
    print(f"steepest-descent direction: {fmt(descent)}")

    # Walking a short way along the descent direction lowers f; any other unit direction lowers it less.
    step = 0.01
    print(f"f at (3, 4): {fmt(f(*point))}")
    print(f"f after a step of {step} downhill: {fmt(f(*(point + step * descent)))}")
    print(f"f after a step of {step} sideways: {fmt(f(*(point + step * np.array([-0.8, 0.6]))))}")

    if args.plots:
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(5, 5))
        grid = np.linspace(-7, 7, 141)
        X, Y = np.meshgrid(grid, grid)
        contours = ax.contour(X, Y, X**2 + Y**2, levels=[1, 4, 9, 16, 25, 36, 49], cmap="viridis")
        ax.clabel(contours, fontsize=8)
        ax.quiver(
            *point,
            *gradient,
            angles="xy",
            scale_units="xy",
            scale=4,
            color="tab:red",
            label="gradient / 4",
        )
        ax.quiver(
            *point,
            *descent,
            angles="xy",
            scale_units="xy",
            scale=0.5,
            color="tab:blue",
            label="steepest descent (unit, x2)",
        )
        ax.plot(*point, "ko")
        ax.set_aspect("equal")
        ax.set_title("x**2 + y**2: the gradient crosses the contours at right angles", fontsize=10)
        ax.legend(loc="lower left")
        save_figure(fig, args.outdir, "04_gradient.png")

    return {"gradient": gradient, "magnitude": magnitude, "descent": descent}


if __name__ == "__main__":
    main()
