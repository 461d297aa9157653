"""Forward mode through np.sum of a list, with r alone varied."""

import numpy as np

WRT = ('r',)
SEED = 1102  # the inputs are tests.fuzz.generator.inputs(SEED)


def f(x, s, M, r):
    xs2 = []
    xs2.append(x + r[0, 0])
    a3 = xs2
    return np.sum(a3)
