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


@defvjp(builtins.list)
def to_list(g, ans, iterable=()):
    return (runtime.sequence_cotangent(g, iterable),)


@defvjp(builtins.tuple)
def to_tuple(g, ans, iterable=()):
    return (runtime.sequence_cotangent(g, iterable),)


@defvjp(runtime.reversed_sequence)
def reversed_sequence(g, ans, x):
    return (runtime.reversed_cotangent(g, x),)


@defvjp(runtime.get)
def get(g, ans, mapping, key, default=None):
    return runtime.get_cotangents(g, mapping, key)


@defvjp(runtime.items)
def items(g, ans, mapping):
    return (runtime.items_cotangent(g, mapping),)


@defvjp(runtime.values)
def values(g, ans, mapping):
    return (runtime.values_cotangent(g, mapping),)


# copies of items that generated code keeps (see runtime/updates.py)
@defvjp(runtime.copy_item)
def copy_item(g, ans, value):
    return (g,)


@defvjp(runtime.saved_item)
def saved_item(g, ans, container, index):
    return runtime.index_add(g, container, index), None


# max(a, b, ...) and max(sequence): the cotangent goes to the value chosen
@defvjp(builtins.max)
def maximum(g, ans, *args, key=None, default=None):
    return choice_cotangents(g, ans, args)


@defvjp(builtins.min)
def minimum(g, ans, *args, key=None, default=None):
    return choice_cotangents(g, ans, args)


nondifferentiable(
    runtime.keys,
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
