"""A loop with no differentiated value in it (for ... break): the gradient needs no trip count of it."""

import numpy as np

WRT = ('s',)
SEED = 1067  # the inputs are tests.fuzz.generator.inputs(SEED)


def f(x, s, M, r):
    for i in range(1):
        break
    return np.sum(M)
