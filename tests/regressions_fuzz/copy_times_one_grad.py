"""cp2 = 1.0 * cp1 is a new array: its update does not reach cp1."""

import numpy as np

WRT = ('s',)
SEED = 1  # the inputs are tests.fuzz.generator.inputs(SEED)


def f(x, s, M, r):
    cp1 = np.copy(r)
    cp1[0, 2] += s
    cp2 = 1.0 * cp1
    cp2[0, 2] += 1.0
    return np.sum(np.sin(cp1))
