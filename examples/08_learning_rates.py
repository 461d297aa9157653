"""Lesson 8: the learning rate.

Gradient descent on the regression problem of lesson 7 (full batch), with three learning rates:

- too small (0.01): every step goes the right way, but so short that 30 epochs get nowhere near the minimum;
- good (0.5): the loss falls to the noise floor in a handful of steps;
- too large (1.0): each step overshoots the minimum by more than it started from, and the loss explodes.

Where is the edge? Near its minimum the loss is a bowl whose curvature along its steepest direction is
lambda_max, the largest eigenvalue of the Hessian (the matrix of second derivatives). One step multiplies the
distance to the minimum along that direction by (1 - rate * lambda_max), so gradient descent converges only
while |1 - rate * lambda_max| < 1, that is rate < 2 / lambda_max. For this problem that is about 0.89.

Run:  python examples/08_learning_rates.py [--no-plots] [--epochs N]
"""

from __future__ import annotations

import numpy as np
from _common import make_regression, parse_args, progress, pyplot, save_figure

import srcdiff


def mse_loss(w, b, X, y):
    prediction = X @ w + b
    return np.mean((prediction - y) ** 2)


RATES = {"too small": 0.01, "good": 0.5, "too large": 1.0}


def descend(X, y, rate, epochs, show_progress, name):
    """Full-batch gradient descent from zero; the loss before each step and after the last."""
    gradient = srcdiff.grad(mse_loss, wrt=("w", "b"))
    w, b = np.zeros(X.shape[1]), 0.0
    history = [mse_loss(w, b, X, y)]
    for _ in progress(range(epochs), name, show_progress):
        dw, db = gradient(w, b, X, y)
        w, b = w - rate * dw, b - rate * db
        history.append(mse_loss(w, b, X, y))
    return history


def add_options(parser):
    parser.add_argument(
        "--epochs", type=int, default=30, help="gradient-descent steps (default 30)"
    )


def main(argv=None):
    args = parse_args(__doc__.splitlines()[0], argv, add_options)
    X, y, _, _ = make_regression()

    # The Hessian of the MSE of a linear model is constant: 2/n * A.T @ A, where A is X with a column of ones
    # (for b). Its largest eigenvalue sets the largest stable learning rate.
    A = np.hstack([X, np.ones((len(X), 1))])
    lambda_max = np.linalg.eigvalsh(2 / len(X) * A.T @ A).max()
    print(f"largest curvature lambda_max: {lambda_max:.4f}")
    print(f"largest stable rate 2/lambda_max: {2 / lambda_max:.4f}")

    # The lowest loss any line can reach, from least squares, to judge how far each run got.
    coefficients = np.linalg.lstsq(A, y, rcond=None)[0]
    best_loss = np.mean((A @ coefficients - y) ** 2)
    print(f"lowest possible loss (least squares): {best_loss:.4g}")

    results = {}
    for name, rate in RATES.items():
        history = descend(X, y, rate, args.epochs, args.progress, name)
        if history[-1] > history[0]:
            verdict = "diverges"
        elif history[-1] - best_loss < 1e-3:
            verdict = "reached the minimum"
        else:
            verdict = "still far from the minimum"
        print(
            f"rate {rate} ({name}): loss {history[0]:.4g} -> {history[-1]:.4g} after {args.epochs} "
            f"epochs, {verdict}"
        )
        results[name] = {"rate": rate, "history": history}

    if args.plots:
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(6, 4))
        for name, result in results.items():
            ax.semilogy(result["history"], marker=".", label=f"{name}: {result['rate']}")
        ax.axhline(results["good"]["history"][0], color="gray", linewidth=0.5)
        ax.set_xlabel("epoch")
        ax.set_ylabel("MSE loss")
        ax.set_title(f"Learning rates (stable below 2/lambda_max = {2 / lambda_max:.2f})")
        ax.legend()
        save_figure(fig, args.outdir, "08_learning_rates.png")

    results["lambda_max"] = lambda_max
    results["best_loss"] = best_loss
    return results


if __name__ == "__main__":
    main()
