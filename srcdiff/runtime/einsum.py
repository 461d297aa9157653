"""Cotangents of ``np.einsum``: its arguments (string or sublist form) read as one letter per axis, and the
cotangent of each operand as another einsum.

Part of ``srcdiff.runtime`` (numpy and the standard library only, so that exported modules can copy it).
"""

import numpy as np

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
