"""Lesson 12: Jacobians and Hessians, the derivatives after the gradient.

A function with several outputs has a Jacobian: one row per output, one column per input. The polar-to-
Cartesian map (r, theta) -> (r cos theta, r sin theta) has

    J = [[cos theta, -r sin theta],
         [sin theta,  r cos theta]],

and srcdiff builds it either a column at a time (forward mode: the tangent of every output along one input)
or a row at a time (reverse mode: the gradient of one output). Both give the same matrix.

The Hessian of a scalar function holds its second derivatives. For f(x, y) = x**2 + xy + y**2 it is
[[2, 1], [1, 2]] everywhere. srcdiff computes Hessian-vector products by running forward mode over the
gradient code it generated (forward over reverse), and the Hessian column by column from them.

Run:  python examples/12_jacobians_and_hessians.py
"""

from __future__ import annotations

import numpy as np
from _common import fmt, parse_args, show_source  # first: finds srcdiff

import srcdiff


def polar_to_cartesian(p):
    r, theta = p[0], p[1]
    return np.stack([r * np.cos(theta), r * np.sin(theta)])


def f(x, y):
    return x**2 + x * y + y**2


def matrix(value) -> str:
    return np.array2string(np.asarray(value), precision=6, suppress_small=True)


def main(argv=None):
    parse_args(__doc__.splitlines()[0], argv)
    point = np.array([2.0, np.pi / 6])
    forward = srcdiff.jacobian(polar_to_cartesian, mode="forward")(point)
    reverse = srcdiff.jacobian(polar_to_cartesian, mode="reverse")(point)
    r, theta = point
    closed_form = np.array([[np.cos(theta), -r * np.sin(theta)], [np.sin(theta), r * np.cos(theta)]])
    print(f"Jacobian of polar_to_cartesian at r=2, theta=pi/6 (forward mode):\n{matrix(forward)}")
    print(f"the same, reverse mode:\n{matrix(reverse)}")
    print(f"closed form:\n{matrix(closed_form)}")
    print(f"determinant (the area stretch, r): {fmt(np.linalg.det(forward))}")
    show_source("The forward-mode code: each tangent (d...) is computed beside its value",
                srcdiff.source(polar_to_cartesian, mode="forward"))

    hessian = np.array(srcdiff.hessian(f, wrt=(0, 1))(1.0, 2.0), dtype=float)
    print(f"Hessian of x**2 + xy + y**2 at (1, 2):\n{matrix(hessian)}")
    elsewhere = np.array(srcdiff.hessian(f, wrt=(0, 1))(-3.0, 5.0), dtype=float)
    print(f"at (-3, 5), the same:\n{matrix(elsewhere)}")
    d2f_dx2 = srcdiff.grad(srcdiff.grad(f))(1.0, 2.0)  # the derivative of the generated derivative
    print(f"d2f/dx2 by grad(grad(f)): {fmt(d2f_dx2)}")
    show_source("The Hessian-vector product code: forward mode over the gradient (db... are H v)",
                srcdiff.source(f, wrt=(0, 1), mode="hvp"))
    return {"jacobian_forward": forward, "jacobian_reverse": reverse, "jacobian_exact": closed_form,
            "hessian": hessian, "d2f_dx2": d2f_dx2}


if __name__ == "__main__":
    main()
