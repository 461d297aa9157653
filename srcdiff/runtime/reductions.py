"""Cotangents of reductions: sums and means, extrema, products, cumulative sums, variance and standard
deviation, norms (vector and matrix), and Python's ``sum`` of a sequence.

Part of ``srcdiff.runtime`` (numpy and the standard library only, so that exported modules can copy it).
"""

import numpy as np

from .broadcasting import _shape, unbroadcast


def reduced_cotangent(g, x, axis, keepdims):
    """Broadcast the cotangent of a reduction over ``axis`` back to the shape of ``x``."""
    shape = _shape(x)
    if axis is not None and not keepdims and shape:  # numpy takes axis=0 on a 0-d value too
        axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
        g = np.expand_dims(g, tuple(a % len(shape) for a in axes))
    return np.broadcast_to(g, shape)


def reduced_size(x, axis):
    """How many elements of ``x`` a reduction over ``axis`` combines; at least 1, since a reduction over no
    elements has an empty cotangent whatever it is divided by (a mean of nothing is nan, its gradient empty).
    """
    if axis is None:
        return (x.size if type(x) is np.ndarray else np.size(x)) or 1
    shape = _shape(x)
    if not shape:
        return 1
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    return int(np.prod([shape[a] for a in axes])) or 1


def extremum_cotangent(g, ans, x, axis, keepdims):
    """Cotangent of max/min: shared equally among the elements that attain the extremum."""
    ans_full = reduced_cotangent(ans, x, axis, keepdims)
    hits = np.asarray(x) == ans_full
    counts = reduced_cotangent(np.sum(hits, axis=axis, keepdims=keepdims), x, axis, keepdims)
    return reduced_cotangent(g, x, axis, keepdims) * hits / counts


def prod_cotangent(g, ans, x, axis, keepdims):
    """Cotangent of ``np.prod``, exact also where ``x`` has zeros."""
    x = np.asarray(x)
    if x.ndim == 0:  # the product of one value (numpy takes axis=0 on a 0-d value too)
        return np.asarray(g) * np.ones_like(x, dtype=np.result_type(x, 1.0))
    if axis is None:
        flat = x.reshape(-1)
        left = np.concatenate(([1.0], np.cumprod(flat)[:-1]))
        right = np.concatenate((np.cumprod(flat[::-1])[:-1][::-1], [1.0]))
        return (g * left * right).reshape(x.shape) if x.ndim else g * left[0] * right[0]
    moved = np.moveaxis(x, axis, -1)
    ones = np.ones(moved.shape[:-1] + (1,))
    left = np.concatenate((ones, np.cumprod(moved, axis=-1)[..., :-1]), axis=-1)
    right = np.concatenate(
        (np.flip(np.cumprod(np.flip(moved, -1), axis=-1), -1)[..., 1:], ones), -1
    )
    return reduced_cotangent(g, x, axis, keepdims) * np.moveaxis(left * right, -1, axis)


def cumsum_cotangent(g, axis):
    """Cotangent of ``np.cumsum``: a reversed cumulative sum."""
    if axis is None:
        return np.flip(np.cumsum(np.flip(np.ravel(g))))
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


def var_cotangent(g, x, axis, ddof, keepdims):
    """Cotangent of ``np.var``."""
    x = np.asarray(x)
    n = reduced_size(x, axis) - ddof
    centred = x - np.mean(x, axis=axis, keepdims=True)
    return reduced_cotangent(g, x, axis, keepdims) * 2.0 * centred / n


def std_cotangent(g, ans, x, axis, ddof, keepdims):
    """Cotangent of ``np.std``: that of the variance times 1 / (2 std).

    A standard deviation over one element is 0 whatever the element: its gradient is 0. Over several equal
    elements the standard deviation is not differentiable (the tip of a cone); the gradient there is nan, as
    autograd and JAX give.
    """
    if reduced_size(x, axis) == 1 and ddof < 1:
        return np.zeros(_shape(x), dtype=np.result_type(x, g, 1.0))[()]
    return var_cotangent(g / (2.0 * np.asarray(ans)), x, axis, ddof, keepdims)


def _matrix_norm_axes(x, ord, axis):
    """The two axes ``np.linalg.norm`` takes a matrix norm over, or None for a vector norm."""
    if axis is None:
        return (0, 1) if ord is not None and np.ndim(x) == 2 else None
    if np.ndim(axis) == 0 or len(axis) == 1:
        return None
    return tuple(a % np.ndim(x) for a in axis)


def _safe(value):
    """``value`` with zeros replaced by ones: a divisor where the numerator is zero as well."""
    return np.where(value == 0, 1.0, value)


def norm_cotangent(g, ans, x, ord, axis, keepdims):
    """Cotangent of ``np.linalg.norm``: vector p-norms (any p, and +-inf), matrix norms (Frobenius, nuclear,
    spectral and the 1- and inf-norms). Where a norm has no derivative the cotangent is a subgradient: 0 for
    the 2-norm at 0, shared equally between tied maxima; a p-norm with p < 1 at a zero element gives nan.
    """
    x = np.asarray(x)
    axes = _matrix_norm_axes(x, ord, axis)
    if axes is None:
        if np.ndim(axis) == 1:
            axis = axis[0]
        big_g = reduced_cotangent(g, x, axis, keepdims)
        big_ans = reduced_cotangent(ans, x, axis, keepdims)
        if ord is None or ord == 2:
            return big_g * x / _safe(big_ans)
        if ord == 1:
            return big_g * np.sign(x)
        if ord in (np.inf, -np.inf):
            return np.sign(x) * extremum_cotangent(g, ans, np.abs(x), axis, keepdims)
        if ord == 0:
            return np.zeros(x.shape, dtype=np.result_type(x, 1.0))
        p = float(ord)
        magnitude = np.abs(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = np.where(magnitude == 0, 0.0 if p >= 1 else np.nan, magnitude ** (p - 1))
            return big_g * np.sign(x) * slope / _safe(big_ans) ** (p - 1)
    moved = np.moveaxis(x, axes, (-2, -1))
    batch = moved.shape[:-2]
    big_g = np.reshape(g, batch)[..., None, None]
    big_ans = np.reshape(ans, batch)[..., None, None]
    if ord in (None, "fro"):
        weights = moved / _safe(big_ans)
    elif ord == "nuc":
        u, _, vt = np.linalg.svd(moved, full_matrices=False)
        weights = u @ vt
    elif ord in (2, -2):
        u, _, vt = np.linalg.svd(moved, full_matrices=False)
        i = 0 if ord == 2 else -1
        weights = u[..., :, i : i + 1 or None] * vt[..., i : i + 1 or None, :]
    elif ord in (1, -1, np.inf, -np.inf):
        summed = -2 if ord in (1, -1) else -1  # columns for the 1-norms, rows for the inf-norms
        sums = np.sum(np.abs(moved), axis=summed, keepdims=True)
        hits = sums == big_ans
        weights = (
            np.sign(moved) * hits / np.sum(hits, axis=-1 if summed == -2 else -2, keepdims=True)
        )
    else:
        raise ValueError(f"invalid norm order {ord!r} for matrices")
    return np.moveaxis(big_g * weights, (-2, -1), axes)


def sequence_sum_cotangent(g, items):
    """Cotangent of the sequence in Python's ``sum(items)``: ``g`` for each item (summed back to its shape), or
    along the first axis of an array."""
    if isinstance(items, (list, tuple)):
        return [unbroadcast(g, item) for item in items]
    return reduced_cotangent(g, items, 0, False)
