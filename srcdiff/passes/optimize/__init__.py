"""Clean-up of generated code: what a person writing the gradient by hand would not write.

The last pass before code generation; it runs on the function the reverse or forward pass built. In order:

- ``propagation``: an adjoint assigned a number once is replaced by the number (``by = 1.0``), and after the
  other clean-ups a copy (``b_t1 = by``) by what it copies, unless the copy is a name the user wrote;
- ``simplify``: constants fold (``3 - 1`` is ``2``, ``x ** 1`` is ``x``, ``g * 1.0`` is ``g``);
- ``dead_code``: assignments whose values nobody reads are removed, and at the end the comments whose
  statements are all gone;
- ``reductions``: the scalar cotangent of a full reduction is not spread over an array where a product spreads
  it anyway;
- ``fusion``: ``a = e1`` then ``a = a + e2`` is one assignment, ``a = e1 + e2``, and a forward-sweep temporary
  read once, by the next statement, is folded into it; a name the user wrote is never folded away, so the
  backward sweep's ``bz`` always has its ``z``.

What the reverse pass wrote (``stage="adjoint"``), and the same function after this pass:

>>> import srcdiff
>>> def f(x):
...     y = x ** 3
...     z = y * 2.0
...     return z + x
>>> print(srcdiff.source(f, stage="adjoint"))
def df_dx(x):
    y = x**3
    z = y * 2.0
    _t1 = z + x
    b_t1 = 1.0 if type(_t1) is float else _rt.seed(_t1)
    # grad of: return z + x
    bz = b_t1
    bx = b_t1
    # grad of: z = y * 2.0
    by = bz * 2.0
    # grad of: y = x ** 3
    bx = bx + by * 3 * x ** (3 - 1 + (3 == 0))
    return bx
<BLANKLINE>
>>> print(srcdiff.source(f))
def df_dx(x):
    y = x**3
    z = y * 2.0
    _t1 = z + x
    b_t1 = 1.0 if type(_t1) is float else _rt.seed(_t1)
    # grad of: return z + x
    bx = b_t1
    # grad of: z = y * 2.0
    by = b_t1 * 2.0
    # grad of: y = x ** 3
    bx = bx + by * 3 * x**2
    return bx
<BLANKLINE>
"""

from __future__ import annotations

import ast
import copy

from ...naming import NamingConvention
from ...vocabulary import is_seed
from .dead_code import drop_orphan_comments, remove_dead_assignments
from .fusion import fuse_accumulations, inline_single_use
from .propagation import propagate_constants, propagate_copies
from .reductions import keep_reductions_scalar
from .simplify import Simplify

__all__ = [
    "optimize",
    "drop_orphan_comments",
    "Simplify",
    "fuse_accumulations",
    "inline_single_use",
    "keep_reductions_scalar",
    "propagate_constants",
    "propagate_copies",
    "remove_dead_assignments",
]


def optimize(
    function: ast.FunctionDef,
    keep: set,
    resolve=lambda node: None,
    primal: frozenset = frozenset(),
    *,
    namer=None,
) -> ast.FunctionDef:
    """The gradient function with the clean-ups above applied; names in ``keep`` are never removed.
    ``resolve`` maps a called name to its object, so that calls known to be pure can be dropped when unused;
    ``primal`` holds the user's names (and the normal form's), whose values keep numpy's copy semantics;
    ``namer`` is the ``Namer`` that named the generated code, which tells which names it made up (without it,
    ``NamingConvention`` reads that from the names).
    """
    names = namer if namer is not None else NamingConvention(primal)
    # the names the user wrote (and their renamed versions) stay in the code, so the adjoints speak of them
    named = frozenset(filter(names.is_written, primal))
    function = copy.deepcopy(function)
    propagate_constants(function, names.is_adjoint)
    function = Simplify(primal).visit(function)
    function.body = remove_dead_assignments(function.body, keep, resolve)
    propagate_copies(function, named)
    keep_reductions_scalar(function)
    function.body = fuse_accumulations(function.body)
    forward_end = next((i for i, s in enumerate(function.body) if is_seed(s)), len(function.body))
    read_later = {
        n.id for s in function.body[forward_end:] for n in ast.walk(s) if isinstance(n, ast.Name)
    }
    forward = inline_single_use(function.body[:forward_end], keep | read_later | named)
    function.body = drop_orphan_comments(forward + function.body[forward_end:])
    return ast.fix_missing_locations(function)
