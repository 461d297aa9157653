"""An update through row5 = w4[0] changes w4: differentiated right, or refused."""

import numpy as np

WRT = ('s',)
SEED = 1012  # the inputs are tests.fuzz.generator.inputs(SEED)


def f(x, s, M, r):
    w4 = M.copy()
    row5 = w4[0]
    row5 *= s
    return np.sum(w4)
