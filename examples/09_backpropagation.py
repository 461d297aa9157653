"""Lesson 9: backpropagation through one sigmoid neuron, by hand and by srcdiff.

The forward pass, for input x = 2, target y = 1, weight w = 0.5, bias b = 0.1:

    z = w * x + b            = 1.1
    a = sigmoid(z)           = 1 / (1 + exp(-z)) = 0.7503
    L = (a - y)**2           = 0.0624

Backpropagation is the chain rule applied from the loss backwards, one step per line of the forward pass:

    dL/da = 2 * (a - y)                   the derivative of the square
    dL/dz = dL/da * a * (1 - a)           sigmoid'(z) = a * (1 - a)
    dL/dw = dL/dz * x                     z = w*x + b, so dz/dw = x
    dL/db = dL/dz * 1                     and dz/db = 1

srcdiff writes this backward pass as code: it is printed below, to be matched line by line with the steps
above. Its names: `ba` is dL/da, `bz` is dL/dz, `bw` is dL/dw (b for "adjoint", the reverse-mode name of
dL/d-); `_t1`, `_t2`... are the pieces of nested expressions, each given a name.

One difference: srcdiff does not know the identity sigmoid'(z) = a(1 - a). It differentiates
1 / (1 + exp(-z)) piece by piece: the reciprocal (derivative -1/u**2, written -a/u), then the exp, then the
minus sign; three lines between `ba` and `bz`, whose product is the same number.

The adjoint of an intermediate value is itself a gradient: dL/dz is the gradient of the rest of the
computation, from z on. So srcdiff can check every hand-written step: below, `loss_from_a` and `loss_from_z`
are the tail ends of the neuron, and their gradients are dL/da and dL/dz.

Run:  python examples/09_backpropagation.py [--no-plots]
"""

from __future__ import annotations

import numpy as np
from _common import central_difference, fmt, parse_args, show_source

import srcdiff


def neuron_loss(w, b, x, y):
    z = w * x + b
    a = 1.0 / (1.0 + np.exp(-z))
    loss = (a - y) ** 2
    return loss


def loss_from_a(a, y):
    # The last step of the neuron alone: its gradient in a is dL/da.
    return (a - y) ** 2


def loss_from_z(z, y):
    # The last two steps: its gradient in z is dL/dz.
    a = 1.0 / (1.0 + np.exp(-z))
    return (a - y) ** 2


def backprop_by_hand(w, b, x, y):
    """The same forward pass, then the chain rule written out by a person. Returns every intermediate."""
    z = w * x + b
    a = 1.0 / (1.0 + np.exp(-z))
    loss = (a - y) ** 2
    dL_da = 2 * (a - y)
    dL_dz = dL_da * a * (1 - a)
    dL_dw = dL_dz * x
    dL_db = dL_dz
    return {
        "z": z,
        "a": a,
        "loss": loss,
        "dL_da": dL_da,
        "dL_dz": dL_dz,
        "dL_dw": dL_dw,
        "dL_db": dL_db,
    }


def main(argv=None):
    parse_args(__doc__.splitlines()[0], argv)
    w, b, x, y = 0.5, 0.1, 2.0, 1.0

    # The chain rule by hand, step by step, with srcdiff's value for each adjoint beside it.
    hand = backprop_by_hand(w, b, x, y)
    z, a = hand["z"], hand["a"]
    loss, (dL_dw, dL_db) = srcdiff.value_and_grad(neuron_loss, wrt=("w", "b"))(w, b, x, y)
    dL_da = srcdiff.grad(loss_from_a)(a, y)
    dL_dz = srcdiff.grad(loss_from_z)(z, y)
    rows = [
        ("forward", "z = w*x + b", hand["z"], None),
        ("", "a = sigmoid(z)", hand["a"], None),
        ("", "L = (a - y)**2", hand["loss"], loss),
        ("backward", "dL/da = 2(a - y)", hand["dL_da"], dL_da),
        ("", "dL/dz = dL/da * a(1 - a)", hand["dL_dz"], dL_dz),
        ("", "dL/dw = dL/dz * x", hand["dL_dw"], dL_dw),
        ("", "dL/db = dL/dz", hand["dL_db"], dL_db),
    ]
    print(f"{'':9} {'step':26} {'by hand':>15} {'srcdiff':>15}")
    for phase, step, by_hand, by_srcdiff in rows:
        shown = "" if by_srcdiff is None else fmt(by_srcdiff)
        print(f"{phase:9} {step:26} {fmt(by_hand):>15} {shown:>15}")

    show_source("\nbackward pass written by srcdiff:", srcdiff.source(neuron_loss, wrt=("w", "b")))

    print(f"srcdiff dL/dw: {fmt(dL_dw)}")
    print(f"srcdiff dL/db: {fmt(dL_db)}")
    print(f"numerical dL/dw: {fmt(central_difference(lambda t: neuron_loss(t, b, x, y), w))}")
    print(f"numerical dL/db: {fmt(central_difference(lambda t: neuron_loss(w, t, x, y), b))}")

    return {
        "loss": loss,
        "dL_da": dL_da,
        "dL_dz": dL_dz,
        "dL_dw": dL_dw,
        "dL_db": dL_db,
        "by_hand": hand,
    }


if __name__ == "__main__":
    main()
