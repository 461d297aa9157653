"""Forward mode through np.stack of a list built by append, with s alone varied."""

import numpy as np

WRT = ('s',)
SEED = 33  # the inputs are tests.fuzz.generator.inputs(SEED)


def f(x, s, M, r):
    xs3 = []
    for i in range(2):
        xs3.append(x + s)
    a4 = np.stack(xs3)[:2]
    return np.mean(a4 ** 2)
