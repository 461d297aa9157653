"""Adjoints of Python's arithmetic operators, keyed by their AST node type.

``unbroadcast(e, x)`` sums ``e``, which has the shape of the result, down to the shape of the operand ``x``.
"""

import ast

import numpy as np

from ..runtime import matmul_left, matmul_right, unbroadcast, unbroadcast_product
from .registry import defvjp, nondifferentiable


@defvjp(ast.Add)
def add(g, ans, x, y):
    return unbroadcast(g, x), unbroadcast(g, y)


@defvjp(ast.Sub)
def sub(g, ans, x, y):
    return unbroadcast(g, x), unbroadcast(-g, y)


@defvjp(ast.Mult)
def mul(g, ans, x, y):
    return unbroadcast_product(g, y, x), unbroadcast_product(g, x, y)


@defvjp(ast.Div)
def div(g, ans, x, y):
    return unbroadcast(g / y, x), unbroadcast(-g * ans / y, y)


@defvjp(ast.Pow)
def power(g, ans, x, y):
    # d(x ** y)/dx is y * x ** (y - 1), and 0 for y = 0 (x ** 0 is 1 everywhere, also at x = 0); adding
    # (y == 0) to the exponent avoids 0 ** -1 there. d(x ** y)/dy is ans * log(x), taken as 0 where x <= 0
    # (the limit at x = 0 for y > 0; a negative base has real powers only at integer exponents)
    return (
        unbroadcast(g * y * x ** (y - 1 + (y == 0)), x),
        unbroadcast(g * ans * np.log(np.where(x > 0, x, 1.0)), y),
    )


@defvjp(ast.Mod)
def mod(g, ans, x, y):
    return unbroadcast(g, x), unbroadcast(-g * np.floor_divide(x, y), y)


@defvjp(ast.MatMult)
def matmul(g, ans, x, y):
    return matmul_left(g, x, y), matmul_right(g, x, y)


@defvjp(ast.USub)
def neg(g, ans, x):
    return (-g,)


@defvjp(ast.UAdd)
def pos(g, ans, x):
    return (g,)


nondifferentiable(
    ast.FloorDiv, ast.Not, ast.Invert, ast.BitAnd, ast.BitOr, ast.BitXor, ast.LShift, ast.RShift
)
