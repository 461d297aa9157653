"""y4[[1, 1]] -= s subtracts s once: numpy buffers an update at repeated indices."""

import numpy as np

WRT = ('s',)
SEED = 99  # the inputs are tests.fuzz.generator.inputs(SEED)


def f(x, s, M, r):
    y4 = M.copy()
    y4[[1, 1]] -= s
    return np.sum(y4)
