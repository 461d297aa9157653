"""A function whose registered adjoint rule is wrong, so `srcdiff check` must fail on it."""

import srcdiff


def cube(x):
    return x**3


@srcdiff.defvjp(cube)
def _wrong_cube_rule(g, ans, x):
    return (g * 2.0 * x,)  # the right rule is 3 x**2


def uses_cube(x):
    return cube(x) + x
