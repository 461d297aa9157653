"""A loop over reversed(items) differentiates the items (it was taken for reversed(range(...)))."""

import numpy as np

WRT = ('x', 's')
SEED = 5  # the inputs are tests.fuzz.generator.inputs(SEED)


def f(x, s, M, r):
    it1 = [np.sin(x), x * s, M[0]]
    t2 = 0.0
    for u in reversed(it1):
        t2 = 0.5 * t2 + np.sum(u * u)
    return t2
