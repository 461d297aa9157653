"""Lesson 2: the rules of differentiation, as srcdiff writes them down.

Power rule:  d/dx x**n = n * x**(n - 1).            d/dx x**3 at x = 2 is 3 * 2**2 = 12.
Chain rule:  d/dx g(u(x)) = g'(u(x)) * u'(x): differentiate the outer function at the inner value, times
             the derivative of the inner function.
             (x**2 + 1)**3 at x = 2: u = x**2 + 1 = 5, g = u**3, so 3 * 5**2 * 2x = 75 * 4 = 300.
             (3x + 2)**2 at x = 2: u = 3x + 2 = 8, g = u**2, so 2 * 8 * 3 = 48.

srcdiff splits every nested expression into one step per operation (u = x**2 + 1, then u**3) and writes the
derivative of each step in reverse order. Each line of the generated code is one factor of the chain rule:
the adjoint of u (bu, "how much the output moves per unit of u") is computed first, then multiplied by
du/dx to give bx. Read the printed code with that in mind.

Run:  python examples/02_rules.py [--no-plots]
"""

from __future__ import annotations

from _common import central_difference, fmt, parse_args, show_source  # first: finds srcdiff

import srcdiff


def cube(x):
    return x**3


def chain_cubed(x):
    # Written with the inner function on its own line, so the chain rule has a name to work with.
    u = x**2 + 1
    return u**3


def chain_squared(x):
    # The same rule on an expression written in one piece.
    return (3 * x + 2) ** 2


# Each lesson function with the rule that differentiates it by hand.
EXAMPLES = [
    ("x**3", cube, lambda x: 3 * x**2, "power rule: 3x**2"),
    (
        "(x**2 + 1)**3",
        chain_cubed,
        lambda x: 3 * (x**2 + 1) ** 2 * 2 * x,
        "chain rule: 3(x**2 + 1)**2 * 2x",
    ),
    ("(3x + 2)**2", chain_squared, lambda x: 2 * (3 * x + 2) * 3, "chain rule: 2(3x + 2) * 3"),
]


def main(argv=None):
    parse_args(__doc__.splitlines()[0], argv)
    x = 2.0
    results = {}
    for label, fun, by_hand, rule in EXAMPLES:
        show_source(f"\ngenerated derivative of {label}:", srcdiff.source(fun))
        value = srcdiff.grad(fun)(x)
        numerical = central_difference(fun, x)
        print(f"d/dx {label} at x=2: {fmt(value)}")
        print(f"  by hand ({rule}): {fmt(by_hand(x))}")
        print(f"  numerical (central difference): {fmt(numerical)}")
        results[fun.__name__] = value
    return results


if __name__ == "__main__":
    main()
