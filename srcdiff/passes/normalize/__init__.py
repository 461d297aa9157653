"""Normal form: every assignment applies one operation to names and constants.

The first pass of the compiler: ``normalize(context)`` rewrites the function being compiled so that every later
pass (reverse and forward mode, the optimiser) meets one small language, described in
``analysis/normal_form.py``. A loop over a sequence runs over a range held in a variable, augmented assignments
become plain ones, and a reassignment outside branches and loops gets a fresh name (``s_1``), so that only the
values overwritten inside branches and loops need saving for the backward sweep:

>>> import srcdiff
>>> def f(x):
...     s = 0.0
...     for v in x:
...         s += v * v
...     return s
>>> print(srcdiff.source(f, stage="normalized"))
def f(x):
    s = 0.0
    _items1 = _rt.iterable(x)
    _r1 = range(len(_items1))
    for _i1 in _r1:
        v = _items1[_i1]
        _t1 = v * v
        s = s + _t1
    return s
<BLANKLINE>

Array methods become numpy calls, nested expressions are flattened into temporaries, conditions stay whole (they
carry no gradient), and an early return becomes a flag that guards the statements after it:

>>> import numpy as np
>>> def g(x):
...     y = np.sin(x) * 2
...     y = y.T @ x
...     if y.sum() > 0:
...         return y
...     return y.mean()
>>> print(srcdiff.source(g, stage="normalized"))
def g(x):
    _result1 = None
    _returned1 = False
    _t1 = np.sin(x)
    y = _t1 * 2
    _t2 = np.transpose(y)
    y_1 = _t2 @ x
    if y_1.sum() > 0:
        _result1 = y_1
        _returned1 = True
    if not _returned1:
        _result1 = np.mean(y_1)
        _returned1 = True
    return _result1
<BLANKLINE>

Each job has its module: ``lift.py`` lifts local functions (run first, in place), ``jumps.py`` lowers
``return``, ``break`` and ``continue`` to flags, ``statements.py`` rewrites statement by statement, handing
assignments to ``assignments.py``, loops to ``loops.py`` and expression statements to ``calls.py``;
``expressions.py`` flattens expressions (calls and array methods in ``calls.py``); ``inplace.py`` checks item
updates against names that may share the array; ``rename.py`` renames straight-line reassignments.
"""

from __future__ import annotations

import ast

from ...context import Context
from .comprehensions import lower_comprehensions
from .lift import lift, local_functions
from .rename import rename_straight_line
from .statements import Normalizer

__all__ = ["normalize", "Normalizer", "lift", "local_functions", "rename_straight_line"]


def normalize(context: Context) -> ast.FunctionDef:
    """The function of ``context`` in normal form (its local functions lifted first, its comprehensions
    written as loops)."""
    lift(context)
    lower_comprehensions(context)
    return Normalizer(context).function()
