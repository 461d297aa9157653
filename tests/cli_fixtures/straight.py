"""Straight-line functions: srcdiff differentiates them from its first version on."""

import math

import numpy as np

SCALE = 3.0
WEIGHTS = np.array([0.5, -1.0, 2.0])


def product(x, y):
    return x * y + np.sin(x)


def weighted(x):
    return np.sum(WEIGHTS * x**2) * SCALE + math.pi * np.sum(x)


def two_inputs(a, b):
    return np.sum(np.tanh(a) * b) + np.sum(b**2)
