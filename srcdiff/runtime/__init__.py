"""Helpers that generated gradient code calls as ``_rt.NAME``.

This package is a compatibility surface: every generated file depends on it, and every helper is an attribute
of ``srcdiff.runtime`` itself, whichever module below defines it:

- ``broadcasting``: cotangents summed back to an operand's shape, shapes and dtypes matched;
- ``cotangents``: zeros, sums of cotangents (lists and tuples too), cotangents of indexing;
- ``updates``: in-place updates as the normal form writes them, and their tangents and cotangents;
- ``reductions``, ``einsum``, ``linalg``, ``shapes``, ``selection``, ``construction``: the adjoints of numpy's
  functions that take more than one expression (the rule table refers to them, generated code calls them);
- this module: the seed of the backward pass and the checks that generated code runs, with the two error
  classes they raise, which srcdiff replaces with its own by setting ``srcdiff.runtime.non_scalar_error`` and
  ``srcdiff.runtime.alias_error`` (the checks are defined here so that they read the replacements).

The package imports nothing but numpy and the standard library, so that ``srcdiff -o`` can copy its functions
into a standalone gradient module.
"""

import numpy as np

from .broadcasting import (
    _shape,
    match,
    stand_in,
    tangent_like,
    unbroadcast,
    unbroadcast_product,
)
from .construction import (
    _integer,
    arange_cotangents,
    arange_tangent,
    linspace_cotangents,
    linspace_fractions,
    unique_cotangent,
    unique_tangent,
)
from .cotangents import add, add_at, as_tuple, index_add, sum_cotangent, zeros_like
from .einsum import _LETTERS, einsum_cotangent, einsum_cotangents, einsum_spec
from .linalg import (
    _dot_subscripts,
    cofactors,
    det_cotangent,
    dot_left,
    dot_right,
    inner_left,
    inner_right,
    matmul_left,
    matmul_right,
    others_product,
    solve_cotangents,
    well_conditioned,
)
from .reductions import (
    _matrix_norm_axes,
    _safe,
    cumsum_cotangent,
    extremum_cotangent,
    norm_cotangent,
    prod_cotangent,
    reduced_cotangent,
    reduced_size,
    sequence_sum_cotangent,
    std_cotangent,
    var_cotangent,
)
from .selection import (
    cast_cotangent,
    choice_cotangents,
    clip_bound_cotangent,
    clip_cotangent,
    where_cotangent,
)
from .shapes import (
    c_cotangents,
    concatenate_cotangent,
    diag_cotangent,
    hstack_cotangent,
    r_cotangents,
    squeeze_cotangent,
    stack_cotangent,
    trace_cotangent,
    transpose_cotangent,
    vstack_cotangent,
)
from .updates import (
    ABSENT,
    _Absent,
    _no_view,
    copy_item,
    get,
    get_cotangents,
    saved_item,
    append,
    items,
    items_cotangent,
    iterable,
    iterable_cotangent,
    keys,
    pop,
    reversed_cotangent,
    reversed_sequence,
    sequence_cotangent,
    setitem,
    values,
    values_cotangent,
    with_item,
    written_cotangent,
    zero_at,
)

non_scalar_error = ValueError  # srcdiff sets its own subclass; a standalone copy keeps ValueError


def seed(y):
    """The cotangent 1 for a scalar output; a clear error for any other output."""
    if isinstance(y, np.generic) and y.dtype.kind == "f":
        return y.dtype.type(1.0)
    if (
        y is None
        or isinstance(y, (str, bytes))
        or (
            np.ndim(y) == 0
            and not isinstance(y, (int, float, complex, np.number, np.ndarray, np.bool_))
        )
    ):
        raise non_scalar_error(
            f"grad needs a function that returns a number, but this one returned {type(y).__name__} "
            f"{'(it ended without a return, or returned None)' if y is None else ''}; return the value to "
            "differentiate on every path"
        )
    if np.ndim(y) == 0:
        return 1.0
    if np.size(y) == 1 and np.issubdtype(np.asarray(y).dtype, np.floating):
        return np.ones_like(y)
    raise non_scalar_error(
        f"grad needs a function with a scalar output, but this one returned shape {np.shape(y)}; "
        "reduce it to a scalar (for instance with .sum() or np.mean) or use a Jacobian instead"
    )


def check_aux(pair):
    """With has_aux=True the function returns (value, aux): say so clearly when it does not."""
    if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
        raise TypeError(
            "with has_aux=True the function must return a pair (value, aux), "
            f"but it returned {type(pair).__name__}"
        )


def alias_error(message, filename, lineno):
    """The error for an update seen through another name (srcdiff raises its own located error class)."""
    return ValueError(f"{filename}:{lineno}: {message}")


def check_unshared(updated, views, message, filename, lineno):
    """Refuse an in-place update that another name would see: ``updated`` is the value of ``y`` in ``y += v``
    (changed in place only when it is an array or a list; None for an item update), ``views`` the values of
    the other names taken by indexing (sharing memory only when they are arrays), or None where they certainly
    share it."""
    if updated is not None and not isinstance(updated, (np.ndarray, list)):
        return
    if views is None or any(
        isinstance(v, list) or (isinstance(v, np.ndarray) and v.ndim > 0) for v in views
    ):
        raise alias_error(message, filename, lineno)


# srcdiff tells its runtime helpers by their module (generated code calls them as _rt.NAME, exported modules
# copy them): each reports this package as its module, wherever below it is defined.
for _helper in list(globals().values()):
    if getattr(_helper, "__module__", "").startswith(__name__ + "."):
        _helper.__module__ = __name__
del _helper
