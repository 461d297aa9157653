"""Lesson 3: partial derivatives of a function of two variables.

A partial derivative holds every other variable fixed and differentiates with respect to one.

f(x, y) = x**2 + 3xy + y**2:   df/dx = 2x + 3y,  df/dy = 3x + 2y;  at (2, 3): (13, 12).
g(x, y) = x*y + y**2:          dg/dx = y,        dg/dy = x + 2y;   at (2, 3): (3, 8).

srcdiff.grad(f, wrt=0) differentiates with respect to the first parameter, wrt="y" with respect to y, and
wrt=("x", "y") returns both partials at once, from one backward pass.

Run:  python examples/03_partial_derivatives.py [--no-plots]
"""

from __future__ import annotations

from _common import central_difference, fmt, parse_args, show_source  # first: finds srcdiff

import srcdiff


def f(x, y):
    return x**2 + 3 * x * y + y**2


def g(x, y):
    return x * y + y**2


def main(argv=None):
    parse_args(__doc__.splitlines()[0], argv)
    x, y = 2.0, 3.0

    # One partial at a time: a position or a parameter name picks the variable.
    df_dx = srcdiff.grad(f, wrt=0)(x, y)
    df_dy = srcdiff.grad(f, wrt="y")(x, y)
    print(f"df/dx at (2, 3): {fmt(df_dx)}   (2x + 3y)")
    print(f"df/dy at (2, 3): {fmt(df_dy)}   (3x + 2y)")

    # Numerically: move one variable, keep the other fixed.
    print(f"  numerical df/dx: {fmt(central_difference(lambda t: f(t, y), x))}")
    print(f"  numerical df/dy: {fmt(central_difference(lambda t: f(x, t), y))}")

    # Both partials from one call. The generated code computes the adjoints bx and by side by side;
    # the term 3*x*y contributes to both (3y to bx, 3x to by), and x and y each collect the contributions of
    # every term they appear in (`bx = bx + ...`). `_rt.unbroadcast` matters only for arrays: when numpy
    # broadcasting made a result bigger than an operand, it sums the adjoint back to the operand's shape.
    # For plain numbers it hands its input back unchanged.
    show_source("\ngenerated code for both partials of f:", srcdiff.source(f, wrt=("x", "y")))

    dg_dx, dg_dy = srcdiff.grad(g, wrt=("x", "y"))(x, y)
    print(f"dg/dx at (2, 3): {fmt(dg_dx)}   (y)")
    print(f"dg/dy at (2, 3): {fmt(dg_dy)}   (x + 2y)")
    print(f"  numerical dg/dx: {fmt(central_difference(lambda t: g(t, y), x))}")
    print(f"  numerical dg/dy: {fmt(central_difference(lambda t: g(x, t), y))}")

    return {"df_dx": df_dx, "df_dy": df_dy, "dg_dx": dg_dx, "dg_dy": dg_dy}


if __name__ == "__main__":
    main()
