"""row1, row2 = M are views of M: M[0] *= a3 changes row1. Differentiated right, or refused."""

import numpy as np

WRT = ('x',)
SEED = 101670  # the inputs are tests.fuzz.generator.inputs(SEED)


def f(x, s, M, r):
    M = x - M
    row1, row2 = M
    a3 = np.sum(M)
    M[0] *= a3
    return np.sum(row1)
