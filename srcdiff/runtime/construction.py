"""Cotangents and tangents of arrays built from values: ``np.linspace``, ``np.arange`` and ``np.unique``.

Part of ``srcdiff.runtime`` (numpy and the standard library only, so that exported modules can copy it).
"""

import numpy as np

from .broadcasting import unbroadcast
from .cotangents import zeros_like


def _integer(ans):
    return np.asarray(ans[0] if isinstance(ans, tuple) else ans).dtype.kind not in "fc"


def linspace_fractions(num, endpoint):
    """Where each sample of ``np.linspace(start, stop, num, endpoint)`` lies between start (0) and stop (1)."""
    steps = num - 1 if endpoint else num
    return np.arange(num) / steps if steps > 0 else np.zeros(num)


def linspace_cotangents(g, ans, start, stop, num, endpoint, retstep, axis):
    """Cotangents of ``start`` and ``stop`` in ``np.linspace``: sample i is start + (stop - start) * i / steps."""
    step_g = None
    if retstep:
        g, step_g = g[0], g[1]
    if _integer(ans):
        return zeros_like(start), zeros_like(stop)
    fractions = linspace_fractions(num, endpoint)
    moved = (
        np.moveaxis(np.asarray(g, dtype=float), axis, 0)
        if np.ndim(g) > 1
        else np.asarray(g, dtype=float)
    )
    fractions = np.reshape(fractions, (num,) + (1,) * (moved.ndim - 1))
    start_g = np.sum(moved * (1.0 - fractions), axis=0)
    stop_g = np.sum(moved * fractions, axis=0)
    if step_g is not None:
        steps = num - 1 if endpoint else num
        if steps > 0:
            start_g = start_g - step_g / steps
            stop_g = stop_g + step_g / steps
    return unbroadcast(start_g, start), unbroadcast(stop_g, stop)


def arange_cotangents(g, ans, start, stop, step):
    """Cotangents of ``np.arange(start, stop, step)``: element i is start + i * step; stop only sets how many."""
    if stop is None or _integer(ans):  # arange(stop) counts 0, 1, 2...
        return zeros_like(start), zeros_like(stop), zeros_like(step)
    start_g = np.sum(g)
    step_g = np.sum(g * np.arange(np.size(g))) if step is not None else zeros_like(step)
    return start_g, zeros_like(stop), step_g


def arange_tangent(start_t, step_t, ans, stop):
    """Tangent of ``np.arange(start, stop, step)`` from those of start and step."""
    if stop is None or _integer(ans):
        return np.zeros(np.shape(ans))
    out = np.zeros(np.shape(ans))
    if start_t is not None:
        out = out + start_t
    if step_t is not None:
        out = out + step_t * np.arange(np.size(ans))
    return out


def unique_cotangent(g, x):
    """Cotangent of ``np.unique(x)``: each unique value's cotangent goes to the elements equal to it, shared
    equally between repeats (as for a tied maximum)."""
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    inverse = np.reshape(inverse, -1)
    return np.reshape(np.asarray(g)[inverse] / counts[inverse], np.shape(x))


def unique_tangent(t, x):
    """Tangent of ``np.unique(x)``: the mean tangent of the elements equal to each unique value."""
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    return (
        np.bincount(np.reshape(inverse, -1), weights=np.reshape(t, -1), minlength=len(counts))
        / counts
    )
