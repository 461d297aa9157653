"""Lesson 7: full-batch, stochastic and mini-batch gradient descent.

The model is linear, y_hat = X @ w + b, with three input features, and the loss is the mean squared error over
the examples it is given. The three methods differ only in how many examples each step looks at:

- full batch:  every step uses all n examples. Exact gradient, but only one step per pass over the data
  (an "epoch").
- stochastic:  every step uses one example. A noisy estimate of the gradient, but n steps per epoch.
- mini-batch:  every step uses a small batch (here 32). The usual compromise: little noise, many steps, and
  numpy works on 32 rows at once.

The gradient function is the same for all three: srcdiff differentiates `mse_loss` once, for any batch size.
We record the loss on the whole data set after each epoch and compare the curves. With the same rate and the
same number of epochs, full batch is far behind; stochastic gets close fastest but then jitters above the
minimum, because every single-example gradient is noisy; mini-batch settles lowest.

Run:  python examples/07_gradient_descent_variants.py [--no-plots] [--no-progress] [--epochs N]
"""

from __future__ import annotations

import math

import numpy as np
from _common import fmt, make_regression, parse_args, progress, pyplot, save_figure

import srcdiff


def mse_loss(w, b, X, y):
    prediction = X @ w + b
    return np.mean((prediction - y) ** 2)


# name -> examples per step. None means all of them.
METHODS = {"full batch": None, "stochastic": 1, "mini-batch": 32}


def train(X, y, batch_size, rate, epochs, seed, show_progress, name):
    """Gradient descent from w = 0, b = 0; returns the loss on all of X after each epoch (epoch 0: start)."""
    gradient = srcdiff.grad(mse_loss, wrt=("w", "b"))
    rng = np.random.default_rng(seed)
    n = len(y)
    batch_size = batch_size or n
    w, b = np.zeros(X.shape[1]), 0.0
    history = [mse_loss(w, b, X, y)]
    for _ in progress(range(epochs), name, show_progress):
        order = rng.permutation(n)  # a fresh shuffle each epoch, so batches differ between epochs
        for start in range(0, n, batch_size):
            rows = order[start : start + batch_size]
            dw, db = gradient(w, b, X[rows], y[rows])
            w = w - rate * dw
            b = b - rate * db
        history.append(mse_loss(w, b, X, y))
    return history, w, b


def add_options(parser):
    parser.add_argument("--epochs", type=int, default=20, help="passes over the data (default 20)")
    parser.add_argument(
        "--rate", type=float, default=0.05, help="learning rate for all three (default 0.05)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the data and the shuffles (default 0)"
    )


def main(argv=None):
    args = parse_args(__doc__.splitlines()[0], argv, add_options)
    X, y, w_true, b_true = make_regression(seed=args.seed)
    print(
        f"data: {X.shape[0]} examples, {X.shape[1]} features; true w={fmt(w_true)} b={fmt(b_true)}"
    )

    results = {}
    for name, batch_size in METHODS.items():
        history, w, b = train(
            X, y, batch_size, args.rate, args.epochs, args.seed, args.progress, name
        )
        steps = args.epochs * math.ceil(len(y) / (batch_size or len(y)))
        print(
            f"{name}: final loss {history[-1]:.6f} after {args.epochs} epochs ({steps} steps); "
            f"w={fmt(np.round(w, 3))} b={b:.3f}"
        )
        results[name] = {"history": history, "w": w, "b": b}

    if args.plots:
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(6, 4))
        for name, result in results.items():
            ax.semilogy(result["history"], marker=".", label=name)
        ax.set_xlabel("epoch")
        ax.set_ylabel("MSE loss on all data")
        ax.set_title(f"Three flavours of gradient descent (rate {args.rate})")
        ax.legend()
        save_figure(fig, args.outdir, "07_gradient_descent_variants.png")

    return results


if __name__ == "__main__":
    main()
