"""A while loop over an integer counter only, next to a differentiated computation."""

import numpy as np

WRT = ('x',)
SEED = 17  # the inputs are tests.fuzz.generator.inputs(SEED)


def f(x, s, M, r):
    k4 = 0
    while k4 < 7:
        k4 += 1
    return np.sum(M)
