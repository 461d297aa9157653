"""Forward mode through d.get(key, default) where the key is missing: the tangent is the default's."""

import numpy as np

WRT = ('x',)
SEED = 11  # the inputs are tests.fuzz.generator.inputs(SEED)


def f(x, s, M, r):
    u4, u5, u6 = x
    d8 = {'a': u6, 'b': x}
    a9 = d8.get('z', u5) * d8.get('a', 0.0)
    return np.sum(a9 * d8['b'])
