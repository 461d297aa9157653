"""(M + M)[0] subscripts the sum (a value that does not depend on s), not M + M[0]."""

import numpy as np

WRT = ('s',)
SEED = 0  # the inputs are tests.fuzz.generator.inputs(SEED)


def f(x, s, M, r):
    c = (M + M)[0]
    return np.sum(c * s)
