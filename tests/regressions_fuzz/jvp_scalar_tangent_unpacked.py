"""Forward mode with s alone varied: the tangent of a2 - s is an array, unpacked in three."""

import numpy as np

WRT = ('s',)
SEED = 962  # the inputs are tests.fuzz.generator.inputs(SEED)


def f(x, s, M, r):
    a2 = x
    u3, u4, u5 = a2 - s
    return u3
