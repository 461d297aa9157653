"""y = r + 0.0 is a new array: updating it in place leaves r alone (value_and_grad's value)."""

import numpy as np

WRT = ('s',)
SEED = 1016  # the inputs are tests.fuzz.generator.inputs(SEED)


def f(x, s, M, r):
    y5 = r + 0.0
    y5[0] *= s
    return np.sum(r) + np.sum(y5)
