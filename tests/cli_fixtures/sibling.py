"""A file whose import works only with its own folder on sys.path."""

from _sibling_constants import OFFSET


def shifted(x):
    return (x - OFFSET) ** 2
