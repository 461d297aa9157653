"""(x * 2.0)[0] subscripts the product."""

import numpy as np

WRT = ('x',)
SEED = 0  # the inputs are tests.fuzz.generator.inputs(SEED)


def f(x, s, M, r):
    return (x * 2.0)[0]
