"""Forward mode of r + M with M constant: the tangent of r broadcasts to (2, 3)."""

import numpy as np

WRT = ('r',)
SEED = 110  # the inputs are tests.fuzz.generator.inputs(SEED)


def f(x, s, M, r):
    a1 = r + M
    return np.sum(a1)
