"""Functions with a loop, a branch and a call to a helper of their own."""

import numpy as np

POWER = 3


def loop(x):
    total = 0.0
    for i in range(POWER):
        total = total + np.sin(x * i)
    return total


def branch(x):
    if x > 0.5:
        y = x**POWER
    else:
        y = np.cos(x)
    return y


def _bump(x):
    return x * x + 1.0


def helper_call(x):
    return np.log(_bump(x)) * 2.0
