"""Cotangents as values: zeros shaped like a value, sums of cotangents that may be lists or tuples, and the
cotangents of indexing (zeros with the cotangent added at the index).

The cotangent of a dict is a dict that may leave keys out: a key it lacks has a zero cotangent.

Part of ``srcdiff.runtime`` (numpy and the standard library only, so that exported modules can copy it).
"""

import numpy as np

from .broadcasting import unbroadcast


def zeros_like(x):
    """A zero cotangent shaped like ``x`` (a float for a scalar, a list of zeros for a list)."""
    if isinstance(x, tuple):  # a plain tuple for a named tuple too: cotangents hold no field names
        return tuple(zeros_like(item) for item in x)
    if isinstance(x, list):
        return [zeros_like(item) for item in x]
    if isinstance(x, dict):
        return {key: zeros_like(value) for key, value in x.items()}
    if isinstance(x, np.ndarray):
        return np.zeros_like(x, dtype=x.dtype if x.dtype.kind in "fc" else float)
    if isinstance(x, np.generic):
        return x.dtype.type(0) if x.dtype.kind in "fc" else 0.0
    return 0.0


def add(a, b):
    """Sum two cotangents where either may be a list or tuple (elementwise) or an array."""
    if isinstance(a, tuple):
        return tuple(add(p, q) for p, q in zip(a, b))
    if isinstance(a, list):
        return [add(p, q) for p, q in zip(a, b)]
    if isinstance(a, dict):
        total = dict(a)
        for key, value in b.items():
            total[key] = add(total[key], value) if key in total else value
        return total
    return a + b


def sum_cotangent(g, x, y, first):
    """The cotangent of ``x`` (``first``) or ``y`` in ``x + y``: its part of ``g`` where ``+`` joins lists or
    tuples, else ``g`` summed to its shape."""
    if isinstance(x, (list, tuple)):
        return g[: len(x)] if first else g[len(x) :]
    return unbroadcast(g, x if first else y)


def index_add(g, x, index):
    """Cotangent of ``x[index]``: zeros shaped like ``x`` with ``g`` added at ``index`` (repeats accumulate)."""
    if isinstance(x, (list, tuple)):
        out = [zeros_like(item) for item in x]
        if isinstance(index, slice):
            for i, gi in zip(range(*index.indices(len(x))), g):
                out[i] = add(out[i], gi)
        else:
            out[index] = add(out[index], g)
        return tuple(out) if isinstance(x, tuple) else out
    if isinstance(x, dict):
        return {index: g}
    out = np.zeros(np.shape(x), dtype=np.result_type(x, g, 1.0))
    np.add.at(out, index, g)
    return out


def add_at(total, index, g):
    """``total`` with ``g`` added at ``index``: in place when ``total`` is an array that only the backward loop
    holds (an accumulator srcdiff allocated), so that a loop over ``x[t]`` costs O(size of x), not O(T * size).
    """
    if (
        isinstance(total, np.ndarray)
        and total.flags.writeable
        and np.result_type(total, g) == total.dtype
    ):
        np.add.at(total, index, g)
        return total
    return add(total, index_add(g, total, index))


def as_tuple(cotangents):
    """The cotangents a called rule returned, as a tuple (a single one may come bare)."""
    return cotangents if isinstance(cotangents, tuple) else (cotangents,)
