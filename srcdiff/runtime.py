"""Helpers that generated gradient code calls as ``_rt.NAME``.

This module is a compatibility surface: every generated file depends on it. It imports nothing but numpy and the
standard library, so that its functions can be copied into a standalone gradient module.
"""

import numpy as np

non_scalar_error = ValueError  # srcdiff sets its own subclass; a standalone copy keeps ValueError


def _shape(value):
    """``np.shape(value)``, quicker for arrays (generated code asks for shapes a lot)."""
    return value.shape if type(value) is np.ndarray else np.shape(value)


def unbroadcast(g, x):
    """Sum the cotangent ``g`` of a broadcast result down to the shape of the operand ``x``."""
    if type(x) is float:  # the common scalar case, without numpy's slower shape queries
        return g if type(g) is float or not isinstance(g, np.ndarray) or g.ndim == 0 else np.sum(g)
    x_shape = _shape(x)
    if _shape(g) == x_shape:
        return g
    g = np.asarray(g)
    extra = g.ndim - len(x_shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(x_shape) if n == 1 and g.shape[i] != 1)
    if stretched:
        g = g.sum(axis=stretched, keepdims=True)
    if not x_shape:
        return g[()]
    return g


def unbroadcast_product(g, y, x):
    """``unbroadcast(g * y, x)``: for a scalar ``x`` and same-shaped ``g`` and ``y``, one dot product instead of
    an array product and its sum."""
    if (type(x) is float or np.ndim(x) == 0) and np.ndim(g) > 0 and _shape(g) == _shape(y):
        total = np.vdot(g, y)
        return (
            total
            if isinstance(x, np.ndarray) or type(x) is float
            else np.asarray(x).dtype.type(total)
        )
    return unbroadcast(g * y, x)


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


def zeros_like(x):
    """A zero cotangent shaped like ``x`` (a float for a scalar, a list of zeros for a list)."""
    if isinstance(x, (list, tuple)):
        return type(x)(zeros_like(item) for item in x)
    if isinstance(x, np.ndarray):
        return np.zeros_like(x, dtype=x.dtype if x.dtype.kind in "fc" else float)
    if isinstance(x, np.generic):
        return x.dtype.type(0) if x.dtype.kind in "fc" else 0.0
    return 0.0


def match(g, x):
    """Give the cotangent ``g`` the shape and floating dtype of ``x`` (a float for a Python float)."""
    if isinstance(x, np.ndarray):
        g = np.broadcast_to(g, x.shape) if np.shape(g) != x.shape else g
        if x.dtype.kind == "f" and np.asarray(g).dtype != x.dtype:
            return np.asarray(g).astype(x.dtype)
        return np.asarray(g) if not isinstance(g, np.ndarray) else g
    if isinstance(x, np.generic) and x.dtype.kind == "f":
        return x.dtype.type(g)
    if isinstance(x, float) and not isinstance(g, float):
        return float(g)
    return g


def add(a, b):
    """Sum two cotangents where either may be a list or tuple (elementwise) or an array."""
    if isinstance(a, (list, tuple)):
        return type(a)(add(p, q) for p, q in zip(a, b))
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
        return type(x)(out) if isinstance(x, tuple) else out
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


# ---------------------------------------------------------------------------------------------------------------
# Adjoints that take more than one expression: the rule table refers to them, generated code calls them.
# ---------------------------------------------------------------------------------------------------------------


def matmul_left(g, a, b):
    """Cotangent of ``a`` in ``a @ b``."""
    a_ndim, b_ndim = np.ndim(a), np.ndim(b)
    if b_ndim == 1:
        return unbroadcast(np.multiply.outer(g, b) if a_ndim > 1 else g * b, a)
    if a_ndim == 1:
        return (
            np.matmul(b, g) if b_ndim == 2 else unbroadcast(np.matmul(b, g[..., None])[..., 0], a)
        )
    return unbroadcast(np.matmul(g, np.swapaxes(b, -1, -2)), a)


def matmul_right(g, a, b):
    """Cotangent of ``b`` in ``a @ b``."""
    a_ndim, b_ndim = np.ndim(a), np.ndim(b)
    if a_ndim == 1:
        # a vector times each matrix of a stack b: g has b's batch shape, less a row
        outer = np.expand_dims(a, -1) * np.expand_dims(g, -2) if b_ndim > 1 else g * a
        return unbroadcast(outer, b)
    if b_ndim == 1:
        return (
            np.matmul(g, a)
            if a_ndim == 2
            else unbroadcast(np.matmul(g[..., None, :], a)[..., 0, :], b)
        )
    return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), g), b)


def _dot_subscripts(a, b):
    """``np.dot(a, b)`` as einsum subscripts: the last axis of ``a`` against the second-to-last of ``b``."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    m, n = np.ndim(a), np.ndim(b)
    left = letters[: m - 1] + "z"
    right = letters[m - 1 : m + n - 3] + "z" + letters[m + n - 3]
    return f"{left},{right}->{left[:-1]}{right[:-2]}{right[-1]}"


def dot_left(g, a, b):
    """Cotangent of ``a`` in ``np.dot(a, b)``."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a)
    if np.ndim(b) > 2:
        return einsum_cotangent(g, 0, _dot_subscripts(a, b), a, b)
    return matmul_left(g, a, b)


def dot_right(g, a, b):
    """Cotangent of ``b`` in ``np.dot(a, b)``."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b)
    if np.ndim(b) > 2:
        return einsum_cotangent(g, 1, _dot_subscripts(a, b), a, b)
    return matmul_right(g, a, b)


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


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def einsum_spec(args):
    """``np.einsum``'s arguments, string or sublist form, as (input terms, output term, operand positions):
    one letter per axis, ellipses written out in letters, the output explicit."""
    if isinstance(args[0], str):
        inputs, arrow, output = args[0].replace(" ", "").partition("->")
        terms = inputs.split(",")
        positions = list(range(1, len(terms) + 1))
        output = output if arrow else None
    else:
        # op, sublist, op, sublist, ..., [output sublist]
        count = len(args) // 2
        positions = [2 * i for i in range(count)]

        def spell(sublist):
            return "".join("..." if item is Ellipsis else _LETTERS[item] for item in sublist)

        terms = [spell(args[2 * i + 1]) for i in range(count)]
        output = spell(args[-1]) if len(args) % 2 else None
    operands = [args[p] for p in positions]
    used = set("".join(terms) + (output or ""))
    free = [c for c in _LETTERS if c not in used]
    widths = [
        np.ndim(op) - len(t.replace("...", "")) for t, op in zip(terms, operands) if "..." in t
    ]
    ellipsis = "".join(free[: max(widths, default=0)])
    terms = [
        t.replace(
            "...", ellipsis[len(ellipsis) - (np.ndim(op) - len(t) + 3) :] if "..." in t else ""
        )
        for t, op in zip(terms, operands)
    ]
    if output is None:
        letters = "".join(terms)
        output = ellipsis + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ellipsis)
        )
    else:
        output = output.replace("...", ellipsis)
    return terms, output, positions


def einsum_cotangent(g, position, subscripts, *operands):
    """Cotangent of operand ``position`` (counted among the operands) in ``np.einsum(subscripts, *operands)``.

    ``subscripts`` may also be the spec ``einsum_spec`` returns. Repeated indices (a trace, a diagonal),
    ellipses and axes of size 1 that broadcast are all handled."""
    terms, output, _ = (
        einsum_spec((subscripts,) + operands) if isinstance(subscripts, str) else subscripts
    )
    target = terms[position]
    operand = operands[position]
    shape = np.shape(operand)
    others = [t for i, t in enumerate(terms) if i != position]
    other_operands = [op for i, op in enumerate(operands) if i != position]
    unique = "".join(dict.fromkeys(target))
    reachable = set(output).union(*others)
    kept = "".join(c for c in unique if c in reachable)
    partial = np.einsum(",".join([output] + others) + "->" + kept, g, *other_operands)
    own = [shape[target.index(c)] for c in unique]
    partial = np.reshape(
        partial, [np.shape(partial)[kept.index(c)] if c in reachable else 1 for c in unique]
    )
    stretched = tuple(i for i, n in enumerate(own) if n == 1 and partial.shape[i] != 1)
    if stretched:  # an axis of size 1 that einsum broadcast against the others
        partial = np.sum(partial, axis=stretched, keepdims=True)
    partial = np.broadcast_to(partial, own)  # letters summed inside this operand alone
    dtype = np.result_type(partial, 1.0)
    if len(unique) == len(target):
        return np.asarray(partial, dtype=dtype)[()] if not shape else np.array(partial, dtype=dtype)
    out = np.zeros(shape, dtype=dtype)
    np.einsum(target + "->" + unique, out)[...] = partial  # a writeable view of the diagonal
    return out


def einsum_cotangents(g, args):
    """Cotangents of every positional argument of ``np.einsum(*args)``: None for the subscripts."""
    spec = einsum_spec(args)
    cotangents = [None] * len(args)
    operands = [args[p] for p in spec[2]]
    for i, p in enumerate(spec[2]):
        cotangents[p] = einsum_cotangent(g, i, spec, *operands)
    return tuple(cotangents)


def concatenate_cotangent(g, arrays, axis):
    """Cotangents of the pieces of ``np.concatenate(arrays, axis)``."""
    if axis is None:
        sizes = np.cumsum([np.size(a) for a in arrays])[:-1]
        return [
            piece.reshape(np.shape(a)) for piece, a in zip(np.split(np.ravel(g), sizes), arrays)
        ]
    sizes = np.cumsum([np.shape(a)[axis] for a in arrays])[:-1]
    return list(np.split(g, sizes, axis=axis))


def stack_cotangent(g, arrays, axis):
    """Cotangents of the pieces of ``np.stack(arrays, axis)``."""
    return [np.take(g, i, axis=axis) for i in range(len(arrays))]


def hstack_cotangent(g, arrays):
    """Cotangents of the pieces of ``np.hstack(arrays)``."""
    if all(np.ndim(a) <= 1 for a in arrays):
        pieces = concatenate_cotangent(g, [np.atleast_1d(a) for a in arrays], 0)
        return [p.reshape(np.shape(a)) for p, a in zip(pieces, arrays)]
    return concatenate_cotangent(g, arrays, 1)


def vstack_cotangent(g, arrays):
    """Cotangents of the pieces of ``np.vstack(arrays)``."""
    pieces = concatenate_cotangent(g, [np.atleast_2d(a) for a in arrays], 0)
    return [p.reshape(np.shape(a)) for p, a in zip(pieces, arrays)]


def transpose_cotangent(g, axes):
    """Cotangent of ``np.transpose(x, axes)``."""
    if axes is None:
        return np.transpose(g)
    return np.transpose(
        g, np.argsort([a % np.ndim(g) for a in axes])
    )  # axes may count from the end


def trace_cotangent(g, a):
    """Cotangent of ``np.trace(a)``: ``g`` along the diagonal of the first two axes."""
    shape = np.shape(a)
    return np.reshape(np.eye(shape[0], shape[1]), shape[:2] + (1,) * (len(shape) - 2)) * g


def squeeze_cotangent(g, x):
    """Cotangent of ``np.squeeze`` (and of any reshape): ``g`` in the shape of ``x``."""
    return np.reshape(g, np.shape(x))


def diag_cotangent(g, v, k):
    """Cotangent of ``np.diag(v, k)``: read back the diagonal it built, or place ``g`` on the one it read."""
    if np.ndim(v) == 1:
        return np.diag(g, k)
    out = np.zeros(np.shape(v), dtype=np.result_type(g, 1.0))
    steps = np.arange(len(g))
    if k >= 0:
        out[steps, steps + k] = g
    else:
        out[steps - k, steps] = g
    return out


def others_product(values):
    """For each k along the last axis, the product of the other values: exact where some are zero."""
    ones = np.ones(values.shape[:-1] + (1,))
    left = np.concatenate((ones, np.cumprod(values, axis=-1)[..., :-1]), axis=-1)
    right = np.concatenate(
        (np.flip(np.cumprod(np.flip(values, -1), axis=-1), -1)[..., 1:], ones), axis=-1
    )
    return left * right


def well_conditioned(a):
    """Whether every matrix of ``a`` is far enough from singular for det(a) inv(a) to be accurate: its
    determinant is not tiny next to the product of its rows' lengths (Hadamard's bound)."""
    with np.errstate(all="ignore"):
        det = np.linalg.det(a)
        return bool(np.all(np.abs(det) > 1e-8 * np.prod(np.linalg.norm(a, axis=-1), axis=-1)))


def cofactors(a):
    """The matrix of cofactors of ``a`` (or of each matrix of a stack): det(a) inv(a).T where a is invertible,
    and defined for singular matrices too (from the SVD: a = U S V^T gives det(U) det(V) U adj(S) V^T).
    """
    if well_conditioned(a):
        return np.linalg.det(a)[..., None, None] * np.swapaxes(np.linalg.inv(a), -1, -2)
    u, s, vt = np.linalg.svd(a)
    signs = np.linalg.det(u) * np.linalg.det(vt)
    return signs[..., None, None] * (u * others_product(s)[..., None, :]) @ vt


def det_cotangent(g, ans, a):
    """Cotangent of ``np.linalg.det``: g times the cofactors of a (g * det(a) * inv(a).T where a is
    invertible; singular matrices have cofactors too)."""
    return np.asarray(g)[..., None, None] * cofactors(a)


def solve_cotangents(g, ans, a, b):
    """Cotangents of ``np.linalg.solve(a, b)``."""
    # numpy 2 reads b as a vector only when it is 1-d; numpy 1 also when it has a dimension less than a
    vector = np.ndim(b) == 1 or (
        np.lib.NumpyVersion(np.__version__) < "2.0.0" and np.ndim(b) == np.ndim(a) - 1
    )
    gb = np.linalg.solve(np.swapaxes(a, -1, -2), g[..., None] if vector else g)
    x = ans[..., None] if vector else ans
    ga = -np.matmul(gb, np.swapaxes(x, -1, -2))
    # a and b may broadcast against each other's stacks: sum the cotangents back to their own shapes
    return unbroadcast(ga, a), unbroadcast(gb[..., 0] if vector else gb, b)


def where_cotangent(g, condition, x, take):
    """Cotangent of ``x`` in ``np.where(condition, ...)`` (take the true side when ``take``)."""
    return unbroadcast(np.where(condition, g, 0.0) if take else np.where(condition, 0.0, g), x)


def clip_cotangent(g, a, a_min, a_max, min=None, max=None):
    """Cotangent of ``a`` in ``np.clip(a, a_min, a_max)``: ``g`` where ``a`` lies within the bounds.

    ``min`` and ``max`` are the bounds given by those names (numpy 2.1 and later).
    """
    a_min = a_min if min is None else min
    a_max = a_max if max is None else max
    inside = True
    if a_min is not None:
        inside = inside & (np.asarray(a) >= a_min)
    if a_max is not None:
        inside = inside & (np.asarray(a) <= a_max)
    return unbroadcast(g * inside, a)


def clip_bound_cotangent(g, a, bound, lower):
    """Cotangent of a bound of ``np.clip``: ``g`` where ``a`` lies beyond it (below, for a lower one)."""
    beyond = np.asarray(a) < bound if lower else np.asarray(a) > bound
    return unbroadcast(g * beyond, bound)


def inner_left(g, a, b):
    """Cotangent of ``a`` in ``np.inner(a, b)``: the last axes of ``a`` and ``b`` are contracted."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a)
    return dot_left(g, a, np.swapaxes(b, -1, -2) if np.ndim(b) > 1 else b)


def inner_right(g, a, b):
    """Cotangent of ``b`` in ``np.inner(a, b)``."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b)
    return inner_left(np.swapaxes(g, -1, -2) if np.ndim(g) > 1 else g, b, a)


def cast_cotangent(g, ans):
    """Cotangent of ``np.asarray``, ``np.array`` and ``.astype``: none through a cast to integers."""
    if np.asarray(ans).dtype.kind in "fc":
        return g
    return np.zeros(np.shape(ans))


def sequence_sum_cotangent(g, items):
    """Cotangent of the sequence in Python's ``sum(items)``: ``g`` for each item (summed back to its shape), or
    along the first axis of an array."""
    if isinstance(items, (list, tuple)):
        return [unbroadcast(g, item) for item in items]
    return reduced_cotangent(g, items, 0, False)


def choice_cotangents(g, ans, args):
    """Cotangents of Python's ``max`` and ``min``: ``g`` goes to the value chosen (the first of ties).

    ``args`` are the positional arguments: several values, or one sequence of them.
    """
    items = args[0] if len(args) == 1 else args
    chosen = next((i for i, item in enumerate(items) if np.all(item == ans)), 0)
    pieces = [g if i == chosen else zeros_like(item) for i, item in enumerate(items)]
    if len(args) > 1:
        return tuple(pieces)
    if isinstance(items, (list, tuple)):
        return (type(items)(pieces),)
    return (index_add(g, items, chosen),)


# ---------------------------------------------------------------------------------------------------------------
# In-place updates, as the normal form writes them (generated code writes ``y[i] = v`` and ``xs.append(v)``).
# ---------------------------------------------------------------------------------------------------------------


def setitem(array, index, value):
    """``array[index] = value``, returning the array."""
    array[index] = value
    return array


def append(items, value):
    """``items.append(value)``, returning the list."""
    items.append(value)
    return items


def with_item(tangent, index, value):
    """A copy of ``tangent`` with ``value`` at ``index`` (the tangent of ``y[index] = v``)."""
    if isinstance(tangent, list):
        out = list(tangent)
        out[index] = value
        return out
    out = np.array(tangent, dtype=np.result_type(tangent, value, 1.0))
    out[index] = value
    return out


def pop(items):
    """``items.pop()``."""
    return items.pop()


def zero_at(g, index):
    """A copy of the cotangent ``g`` with zeros at ``index`` (the values there were overwritten)."""
    if isinstance(g, list):
        out = list(g)
        positions = range(len(g))[index] if isinstance(index, slice) else [index]
        for position in positions:
            out[position] = zeros_like(out[position])
        return out
    out = np.array(g, dtype=np.result_type(g, 1.0))
    out[index] = 0.0
    return out


# ---------------------------------------------------------------------------------------------------------------
# Arrays built from values: np.linspace, np.arange, np.unique.
# ---------------------------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------------------------
# In-place updates that another name may see: checked where srcdiff cannot tell statically.
# ---------------------------------------------------------------------------------------------------------------


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


def written_cotangent(g, index):
    """The cotangent of ``v`` in ``y[index] = v``: ``g[index]``, except where integer arrays name a position
    more than once: numpy assigns in order, so only the last of the repeated writes reaches ``y``.
    """
    item = g[index]
    parts = index if isinstance(index, tuple) else (index,)
    if not any(
        isinstance(p, (list, np.ndarray)) and np.asarray(p).dtype.kind in "iu" for p in parts
    ):
        return item
    # number the writes, let numpy assign the numbers as it assigns values, and keep the writes that won
    order = np.arange(np.size(item)).reshape(np.shape(item))
    winner = np.full(np.shape(g), -1)
    winner[index] = order
    kept = winner[index] == order
    if kept.all():
        return item
    return np.where(kept, item, 0.0)


def tangent_like(t, ans):
    """The tangent ``t`` with the shape of the result ``ans``: where a constant operand broadcast the varied one
    to a larger shape, its tangent is broadcast the same way."""
    shape = np.shape(ans)
    if np.shape(t) == shape:
        return t
    return np.array(np.broadcast_to(t, shape), dtype=np.result_type(t, 1.0))


# ---------------------------------------------------------------------------------------------------------------
# np.r_[a, b, ...] and np.c_[a, b, ...] of values (no slices or directives): concatenations.
# ---------------------------------------------------------------------------------------------------------------


def r_cotangents(g, pieces):
    """Cotangents of the pieces of ``np.r_[pieces]``: joined along the first axis, a scalar as one element."""
    cotangents, start = [], 0
    for piece in pieces:
        shape = np.shape(piece)
        length = shape[0] if shape else 1
        cotangents.append(np.reshape(g[start : start + length], shape))
        start += length
    return tuple(cotangents)


def c_cotangents(g, pieces):
    """Cotangents of the pieces of ``np.c_[pieces]``: joined along the last axis, a vector as a column."""
    cotangents, start = [], 0
    for piece in pieces:
        shape = np.shape(piece)
        width = shape[-1] if len(shape) >= 2 else 1
        cotangents.append(np.reshape(g[..., start : start + width], shape))
        start += width
    return tuple(cotangents)
