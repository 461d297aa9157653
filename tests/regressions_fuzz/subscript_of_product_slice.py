"""(M * x)[:, 0] subscripts the product."""

import numpy as np

WRT = ('s',)
SEED = 283  # the inputs are tests.fuzz.generator.inputs(SEED)


def f(x, s, M, r):
    y2 = np.zeros((2, 3))
    y2[:, 0] = (M * x)[:, 0]
    return np.sum(M)
