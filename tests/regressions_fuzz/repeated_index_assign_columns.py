"""y1[:, [2, 2]] = s writes column 2 twice: differentiated right, or refused with a located error."""

import numpy as np

WRT = ('s',)
SEED = 81  # the inputs are tests.fuzz.generator.inputs(SEED)


def f(x, s, M, r):
    y1 = M.copy()
    y1[:, [2, 2]] = s
    return np.sum(y1)
