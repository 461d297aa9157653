"""Lesson 11: the loss landscape of a simple quadratic, and the path gradient descent takes across it.

f(x, y) = x**2 + 5 * y**2 is a valley: its contours are ellipses, five times steeper across y than along x.
The gradient (2x, 10y) is drawn as arrows on a grid: each one points uphill, at right angles to the contour
through its foot, and is longer where the ground is steeper.

Gradient descent from (-4, 2) with rate 0.15 multiplies x by 1 - 0.15 * 2 = 0.7 and y by
1 - 0.15 * 10 = -0.5 at every step: x creeps towards 0 from one side, while y overshoots and flips sign every
step. The result is the zig-zag typical of narrow valleys: the steep direction limits the rate (above
2 / 10 = 0.2 the y zig-zag would grow), and the shallow direction then converges slowly.

Run:  python examples/11_loss_landscape.py [--no-plots] [--outdir DIR] [--steps N] [--rate R]
"""

from __future__ import annotations

import numpy as np
from _common import fmt, numerical_gradient, parse_args, pyplot, save_figure

import srcdiff


def f(x, y):
    return x**2 + 5 * y**2


def add_options(parser):
    parser.add_argument("--steps", type=int, default=20, help="gradient-descent steps (default 20)")
    parser.add_argument("--rate", type=float, default=0.15, help="learning rate (default 0.15)")


def main(argv=None):
    args = parse_args(__doc__.splitlines()[0], argv, add_options)
    gradient = srcdiff.grad(f, wrt=("x", "y"))

    start = np.array([-4.0, 2.0])
    print(f"gradient at (-4, 2): {fmt(gradient(*start))}  (2x, 10y)")
    print(f"numerical gradient: {fmt(numerical_gradient(lambda p: f(*p), start))}")

    # Gradient descent, remembering every point for the picture.
    path = [start]
    for _ in range(args.steps):
        point = path[-1]
        path.append(point - args.rate * np.array(gradient(*point)))
    path = np.array(path)
    for i in (0, 1, 2, 3, args.steps):
        print(f"  step {i:3d}: ({path[i, 0]: .5f}, {path[i, 1]: .5f})  f = {f(*path[i]):.6f}")
    print(f"final point after {args.steps} steps: {fmt(np.round(path[-1], 6))}")
    print(f"final loss: {f(*path[-1]):.3e}")

    if args.plots:
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(7, 5))
        grid_x, grid_y = np.meshgrid(np.linspace(-5, 5, 201), np.linspace(-3, 3, 121))
        ax.contourf(grid_x, grid_y, f(grid_x, grid_y), levels=20, cmap="viridis", alpha=0.6)
        ax.contour(grid_x, grid_y, f(grid_x, grid_y), levels=20, colors="white", linewidths=0.5)

        # The gradient at points of a coarse grid, from srcdiff, one point at a time.
        arrow_x, arrow_y = np.meshgrid(np.linspace(-4.5, 4.5, 13), np.linspace(-2.5, 2.5, 9))
        arrows = np.array([gradient(x, y) for x, y in zip(arrow_x.ravel(), arrow_y.ravel())])
        ax.quiver(
            arrow_x.ravel(),
            arrow_y.ravel(),
            arrows[:, 0],
            arrows[:, 1],
            color="black",
            alpha=0.7,
            angles="xy",
            scale_units="xy",
            scale=40,
            width=0.003,
            label="gradient / 40 (uphill)",
        )

        ax.plot(
            path[:, 0],
            path[:, 1],
            "o-",
            color="tab:red",
            markersize=4,
            label=f"gradient descent, rate {args.rate}",
        )
        ax.plot(0, 0, "*", color="gold", markersize=14, markeredgecolor="black", label="minimum")
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_aspect("equal")
        ax.set_title("f(x, y) = x**2 + 5 y**2")
        ax.legend(loc="lower left", fontsize=8, framealpha=0.9)
        save_figure(fig, args.outdir, "11_loss_landscape.png")

    return {
        "path": path,
        "final_point": path[-1],
        "final_loss": f(*path[-1]),
        "start_gradient": gradient(*start),
    }


if __name__ == "__main__":
    main()
