"""v2 = w1.reshape(-1); v2 += ... changes w1: differentiated right, or refused."""

import numpy as np

WRT = ('x',)
SEED = 100310  # the inputs are tests.fuzz.generator.inputs(SEED)


def f(x, s, M, r):
    w1 = M.copy()
    v2 = w1.reshape(-1)
    v2 += np.sum(x)
    return np.sum(w1)
