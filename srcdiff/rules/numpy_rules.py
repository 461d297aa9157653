"""Adjoints of numpy's functions: importing this module registers them all, one module per family
(``numpy_elementwise``, ``numpy_reductions``, ``numpy_linalg``, ``numpy_shapes``, ``numpy_construction``), and
declares here the functions whose output carries no gradient.

Where a rule's body is one expression it is pasted into generated code; the longer ones live in
``srcdiff.runtime`` so that generated code can call them.

Where a function has no derivative, the rules return these (each checked by the tests):

- ``abs`` and ``sign`` at 0, the 1-norm at a zero element: 0;
- ties of ``max``, ``min``, ``np.unique``'s repeats and the inf-norms: the cotangent shared equally;
  ``np.maximum`` and ``np.minimum`` at equal arguments: half to each;
- the 2-norm (and Frobenius norm) at 0, ``np.hypot`` at the origin: 0; a p-norm with p < 1 at a zero element: nan;
- ``np.std`` over one element: 0 (it is constant); over several equal elements: nan, as autograd and JAX give;
  ``np.var`` of one element: 0;
- ``x ** y``: 0 for x where y = 0 (x ** 0 is 1 everywhere), 0 for y where x <= 0;
- ``np.linalg.det`` of a singular matrix: its cofactors, which are its gradient there too.
"""

import numpy as np

from . import (  # noqa: F401  (they register rules, in this order)
    numpy_elementwise,
    numpy_reductions,
    numpy_linalg,
    numpy_shapes,
    numpy_construction,
)
from .registry import nondifferentiable

nondifferentiable(
    np.sign,
    np.floor,
    np.ceil,
    np.round,
    np.rint,
    np.trunc,
    np.fix,
    np.argmax,
    np.argmin,
    np.argsort,
    np.nonzero,
    np.flatnonzero,
    np.shape,
    np.size,
    np.ndim,
    np.zeros,
    np.ones,
    np.empty,
    np.eye,
    np.identity,
    np.zeros_like,
    np.ones_like,
    np.empty_like,
    np.isnan,
    np.isinf,
    np.isfinite,
    np.isclose,
    np.allclose,
    np.array_equal,
    np.equal,
    np.not_equal,
    np.less,
    np.less_equal,
    np.greater,
    np.greater_equal,
    np.logical_and,
    np.logical_or,
    np.logical_not,
    np.logical_xor,
    np.any,
    np.all,
    np.floor_divide,
    np.count_nonzero,
    np.searchsorted,
    np.random.rand,
    np.random.randn,
)
# np.random.normal(loc, scale) and np.random.uniform(low, high) depend smoothly on their parameters: without a
# rule, srcdiff refuses to differentiate through them (write loc + scale * np.random.standard_normal(size))
