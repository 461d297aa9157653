"""Lesson 6: linear regression, trained with gradients.

A line y_hat = w * x + b should fit the points (1, 2), (2, 4), (3, 5), (4, 4), (5, 5). We measure the misfit
with the mean squared error (MSE):

    L(w, b) = mean((w * x + b - y)**2)

and its gradient tells us how to change w and b to shrink it:

    dL/dw = mean(2 * (w * x + b - y) * x),   dL/db = mean(2 * (w * x + b - y)).

At w = 0.5, b = 1 the predictions are 1.5, 2, 2.5, 3, 3.5; the loss is 2.75, dL/dw = -9.4 and dL/db = -3.0.
Both negative: increasing w and b lowers the loss. Gradient descent repeats w -= rate * dL/dw (and the same
for b) until the gradient is zero, at the least-squares line w = 0.6, b = 2.2.

Only numpy and srcdiff: the model and the training loop are a dozen lines.

Run:  python examples/06_linear_regression.py [--no-plots] [--outdir DIR] [--steps N] [--rate R]
"""

from __future__ import annotations

import numpy as np
from _common import central_difference, fmt, parse_args, pyplot, save_figure, show_source

import srcdiff

X_DATA = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
Y_DATA = np.array([2.0, 4.0, 5.0, 4.0, 5.0])


def mse_loss(w, b, x, y):
    prediction = w * x + b
    error = prediction - y
    return np.mean(error**2)


def add_options(parser):
    parser.add_argument(
        "--steps", type=int, default=1000, help="gradient-descent steps (default 1000)"
    )
    parser.add_argument("--rate", type=float, default=0.05, help="learning rate (default 0.05)")


def main(argv=None):
    args = parse_args(__doc__.splitlines()[0], argv, add_options)

    # The gradient with respect to the two parameters; x and y are data, not differentiated.
    loss_and_grads = srcdiff.value_and_grad(mse_loss, wrt=("w", "b"))
    show_source("generated gradient of the MSE loss:", srcdiff.source(mse_loss, wrt=("w", "b")))

    w, b = 0.5, 1.0
    loss, (dw, db) = loss_and_grads(w, b, X_DATA, Y_DATA)
    print(f"at w=0.5, b=1: loss: {fmt(loss)}")
    print(f"at w=0.5, b=1: dL/dw: {fmt(dw)}")
    print(f"at w=0.5, b=1: dL/db: {fmt(db)}")
    print(
        f"  numerical dL/dw: {fmt(central_difference(lambda t: mse_loss(t, b, X_DATA, Y_DATA), w))}"
    )
    print(
        f"  numerical dL/db: {fmt(central_difference(lambda t: mse_loss(w, t, X_DATA, Y_DATA), b))}"
    )
    start = {"loss": loss, "dw": dw, "db": db}

    # Gradient descent: step against the gradient, again and again.
    history = []
    for step in range(args.steps):
        loss, (dw, db) = loss_and_grads(w, b, X_DATA, Y_DATA)
        history.append(loss)
        if step % max(args.steps // 5, 1) == 0:
            print(f"  step {step:5d}: w {w:.4f}  b {b:.4f}  loss {loss:.6f}")
        w -= args.rate * dw
        b -= args.rate * db
    final_loss = mse_loss(w, b, X_DATA, Y_DATA)

    # The exact least-squares line, for comparison (np.polyfit solves the normal equations).
    w_exact, b_exact = np.polyfit(X_DATA, Y_DATA, deg=1)
    print(f"fitted line: w={w:.6f} b={b:.6f} loss={final_loss:.6f}")
    print(f"least squares: w={w_exact:.6f} b={b_exact:.6f}")

    if args.plots:
        plt = pyplot()
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
        left.scatter(X_DATA, Y_DATA, label="data")
        grid = np.linspace(0, 6, 2)
        left.plot(grid, 0.5 * grid + 1.0, "--", label="start: w=0.5, b=1")
        left.plot(grid, w * grid + b, label=f"fitted: w={w:.2f}, b={b:.2f}")
        left.set_xlabel("x")
        left.set_ylabel("y")
        left.legend()
        # The distance to the best possible loss falls by the same factor at every step: a straight line
        # on a log scale, until it reaches the rounding floor near 1e-16.
        best_loss = mse_loss(w_exact, b_exact, X_DATA, Y_DATA)
        right.semilogy(np.maximum(np.array(history) - best_loss, 1e-17))
        right.set_xlabel("step")
        right.set_ylabel("loss - least-squares loss")
        right.set_title("gradient descent")
        save_figure(fig, args.outdir, "06_linear_regression.png")

    return {
        "start": start,
        "w": w,
        "b": b,
        "loss": final_loss,
        "w_exact": w_exact,
        "b_exact": b_exact,
    }


if __name__ == "__main__":
    main()
