"""Lesson 1: the derivative of f(x) = x**2 at x = 3, three ways.

The derivative f'(x) is the slope of f at x: how fast f(x) changes when x moves a little.

1. srcdiff reads the source of `f` and writes a new Python function that computes f'(x) exactly
   (up to floating-point rounding), by applying the rules of calculus to each line.
2. Calculus by hand: d/dx x**2 = 2x, so f'(3) = 6.
3. A numerical estimate, the forward difference (f(x + h) - f(x)) / h for a small step h.

The numerical estimate is never exact. Its error has two parts that pull in opposite directions:
truncation error (the formula ignores the curvature of f; for x**2 it is exactly h) shrinks with h, while
rounding error (f(x + h) and f(x) agree in most of their digits, and their difference loses them) grows
like 1e-16 / h. The table at the end shows both.

Run:  python examples/01_derivative.py [--no-plots] [--outdir DIR]
"""

from __future__ import annotations

import numpy as np
from _common import (
    fmt,
    parse_args,
    pyplot,
    save_figure,
    show_source,
)  # first: finds srcdiff in a checkout

import srcdiff


def f(x):
    return x**2


def f_prime_by_hand(x):
    # The power rule: d/dx x**n = n * x**(n - 1); here n = 2.
    return 2 * x


def forward_difference(fun, x, h):
    # The definition of the derivative, without taking the limit h -> 0.
    return (fun(x + h) - fun(x)) / h


STEPS = [10.0**-k for k in range(1, 13)]  # h = 1e-1, 1e-2, ..., 1e-12


def main(argv=None):
    args = parse_args(__doc__.splitlines()[0], argv)
    x = 3.0

    # srcdiff.grad(f) is a new function: give it x, it returns f'(x).
    df_dx = srcdiff.grad(f)
    exact = df_dx(x)

    # This is the code srcdiff generated. Reverse mode starts from the output and walks back to the inputs.
    # The output's adjoint is 1 (the "seed": d output / d output; the line with `seed` sets it, to 1.0 for a
    # plain number). `bx`, the adjoint of x, is how much the output moves per unit change of x: seed * 2x.
    show_source("generated derivative of f(x) = x**2:", srcdiff.source(f))

    by_hand = f_prime_by_hand(x)
    numerical = forward_difference(f, x, 1e-6)
    print(f"derivative at x=3: {fmt(exact)}  (srcdiff)")
    print(f"derivative at x=3 (by hand, 2x): {fmt(by_hand)}")
    print(f"derivative at x=3 (forward difference, h=1e-6): {fmt(numerical)}")

    # How good is the numerical estimate? Compare it with the exact value for ever smaller steps.
    print("\nerror of the forward difference as h shrinks:")
    print(f"{'h':>8}  {'estimate':>22}  {'abs error':>10}")
    errors = {}
    for h in STEPS:
        estimate = forward_difference(f, x, h)
        errors[h] = abs(estimate - exact)
        print(f"{h:8.0e}  {estimate:22.15f}  {errors[h]:10.2e}")
    best_h = min(errors, key=errors.get)
    print(f"smallest error at h={best_h:.0e}: {errors[best_h]:.2e}")
    print("(large h: truncation error ~ h; tiny h: rounding error ~ 1e-16 / h)")

    if args.plots:
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(6, 4))
        # A zero error (it happens by luck) cannot be drawn on a log scale; show it at the floor instead.
        ax.loglog(STEPS, [max(errors[h], 1e-17) for h in STEPS], "o-", label="measured error")
        hs = np.array(STEPS)
        ax.loglog(hs, hs, "--", label="truncation error ~ h")
        ax.loglog(hs, 9 * np.finfo(float).eps / hs, ":", label="rounding error ~ eps f(x) / h")
        ax.set_xlabel("step h")
        ax.set_ylabel("|forward difference - f'(3)|")
        ax.set_title("Forward difference of x**2 at x = 3")
        ax.invert_xaxis()
        ax.legend()
        save_figure(fig, args.outdir, "01_derivative_error.png")

    return {
        "derivative": exact,
        "by_hand": by_hand,
        "numerical": numerical,
        "errors": errors,
        "best_h": best_h,
    }


if __name__ == "__main__":
    main()
