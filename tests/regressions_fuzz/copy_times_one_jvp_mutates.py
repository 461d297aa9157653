"""M = M * 1.0, then M[0, 1] = ...: forward mode must not change the caller's M."""

import numpy as np

WRT = ('x',)
SEED = 5342  # the inputs are tests.fuzz.generator.inputs(SEED)


def f(x, s, M, r):
    M = M * 1.0
    M[0, 1] = 2.0
    a4 = M * x
    return np.sum(a4)
