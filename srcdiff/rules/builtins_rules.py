"""Adjoints of Python builtins that act on numbers and sequences."""

import builtins

import numpy as np

from .. import runtime
from ..runtime import choice_cotangents, sequence_sum_cotangent, unbroadcast
from .registry import defvjp, nondifferentiable


@defvjp(builtins.abs)
def absolute(g, ans, x):
    return (g * np.sign(x),)


@defvjp(builtins.float)
def to_float(g, ans, x=0.0):
    return (g,)


@defvjp(builtins.sum)
def sum_of_sequence(g, ans, iterable, start=0):
    return sequence_sum_cotangent(g, iterable), unbroadcast(g, start)


# a for loop goes through runtime.iterable(x): x itself, or list(x) for a dict, a set, a generator
@defvjp(runtime.iterable)
def iterable(g, ans, x):
    return (runtime.iterable_cotangent(g, x),)


# max(a, b, ...) and max(sequence): the cotangent goes to the value chosen
@defvjp(builtins.max)
def maximum(g, ans, *args, key=None, default=None):
    return choice_cotangents(g, ans, args)


@defvjp(builtins.min)
def minimum(g, ans, *args, key=None, default=None):
    return choice_cotangents(g, ans, args)


nondifferentiable(
    builtins.len,
    builtins.int,
    builtins.round,
    builtins.range,
    builtins.bool,
    builtins.isinstance,
    builtins.print,
    builtins.enumerate,
    builtins.zip,
)
