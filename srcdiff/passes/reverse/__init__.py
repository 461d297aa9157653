"""Reverse mode: the forward sweep, then the adjoint statements in reverse order.

Before (normal form)::

    _t1 = x ** 3
    _t2 = 2 * x
    y = _t1 + _t2
    return y

After (``passes/optimize/`` then folds the copies and constants)::

    _t1 = x ** 3
    _t2 = 2 * x
    y = _t1 + _t2
    by = 1.0 if type(y) is float else _rt.seed(y)
    # grad of: y = x**3 + 2 * x
    b_t1 = by
    b_t2 = by
    bx = b_t2 * 2
    bx = bx + b_t1 * 3 * x ** (3 - 1)
    return bx

A value the backward sweep reads is pushed on a tape only where the forward sweep overwrites it before that read
(a reassignment, a loop), and popped after its adjoint. Branch decisions and trip counts inside loops are
recorded the same way, so the backward sweep of an ``if`` is an ``if`` and of a loop a loop. A call to a user's
function goes to its generated vjp function, whose pullback the backward sweep calls.

The modules, in the order they run:

- ``names.py``: which names may be lists or tuples, which are integer counters, which stand for a shape;
- ``facts.py``: one record per statement (``StatementFacts``), in one table;
- ``chain_rule.py``: each assignment's contributions to its operands' adjoints;
- ``planning.py``: the plan both sweeps share (what is read backward, what is saved, the tape);
- ``forward_sweep.py`` and ``backward_sweep.py`` (with ``accumulation.py``): the two sweeps;
- ``functions.py``: ``ReverseMode``, which builds the gradient and vjp functions;
- ``scalar.py``: whether a function computes with Python numbers only.

What the pass writes, before ``passes/optimize/`` runs (``stage="adjoint"``):

>>> import numpy as np, srcdiff
>>> def f(x):
...     y = np.sin(x) * x
...     return np.sum(y)
>>> print(srcdiff.source(f, stage="adjoint"))
def df_dx(x):
    _t1 = np.sin(x)
    y = _t1 * x
    _t2 = np.sum(y)
    b_t2 = 1.0
    # grad of: return np.sum(y)
    by = _rt.reduced_cotangent(b_t2, x, None, False)
    # grad of: y = np.sin(x) * x
    b_t1 = by * x
    bx = by * _t1
    bx = bx + b_t1 * np.cos(x)
    return bx
<BLANKLINE>

In a loop, each value an iteration overwrites and the backward sweep reads goes on the tape:

>>> def g(x):
...     for i in range(3):
...         x = np.cos(x) * x
...     return np.sum(x)
>>> print(srcdiff.source(g, stage="adjoint"))
def dg_dx(x):
    _tape = []
    _t1 = None
    _r1 = range(3)
    for i in _r1:
        _tape.append(_t1)
        _t1 = np.cos(x)
        _tape.append(x)
        x = _t1 * x
    _t2 = np.sum(x)
    b_t2 = 1.0
    # grad of: return np.sum(x)
    bx = _rt.reduced_cotangent(b_t2, x, None, False)
    for i in reversed(_r1):
        # grad of: x = np.cos(x) * x
        x = _tape.pop()
        b_t1 = bx * x
        bx = bx * _t1
        bx = bx + -b_t1 * np.sin(x)
        _t1 = _tape.pop()
    return bx
<BLANKLINE>
"""

from .functions import ReverseMode
from .scalar import scalar_closed

__all__ = ["ReverseMode", "scalar_closed"]
