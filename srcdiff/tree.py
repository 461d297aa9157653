"""Parameter trees: nested dicts, lists, tuples, named tuples and dataclasses whose leaves are numbers and arrays.

People keep a model's parameters in containers (``{"W1": W1, "b1": b1}``, ``[(W, b), (W, b)]``) and want a
gradient of the same structure. These functions take such trees apart and put them back together, so that an
optimiser can be written once for every structure:

>>> import numpy as np
>>> from srcdiff import tree
>>> params = {"W": np.ones((2, 2)), "layers": [(1.0, 2.0)]}
>>> leaves, structure = tree.flatten(params)
>>> [np.shape(leaf) for leaf in leaves]
[(2, 2), (), ()]
>>> tree.unflatten(structure, [2 * leaf for leaf in leaves])["layers"]
[(2.0, 4.0)]
>>> tree.tree_map(lambda p, g: p - 0.5 * g, params, params)["layers"]
[(0.5, 1.0)]
>>> vector, unravel = tree.ravel(params)
>>> vector.shape, unravel(vector)["layers"]
((6,), [(1.0, 2.0)])

A dict's leaves come in the order of its sorted keys (so two dicts with the same keys have the same structure
whatever order they were built in); it is rebuilt in the order it had. ``None`` is a container with no leaves.
Everything that is not a container is a leaf.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np

__all__ = [
    "Structure",
    "flatten",
    "unflatten",
    "leaves",
    "tree_map",
    "map",
    "ravel",
    "is_container",
    "is_differentiable",
    "is_tree",
]


@dataclasses.dataclass(frozen=True)
class Structure:
    """The shape of a tree without its leaves: what ``unflatten`` needs to rebuild it."""

    kind: str  # "leaf", "none", "dict", "list", "tuple", "namedtuple", "dataclass"
    type: Any = (
        None  # the container's class (named tuples, dataclasses, subclasses of dict, list, tuple)
    )
    keys: tuple = ()  # a dict's keys in leaf order, a dataclass's or named tuple's field names
    order: tuple = dataclasses.field(default=(), compare=False)  # a dict's keys in the order it had
    children: tuple = ()

    @property
    def size(self) -> int:
        """How many leaves the tree has."""
        if self.kind == "leaf":
            return 1
        return sum(child.size for child in self.children)

    def __repr__(self):
        if self.kind == "leaf":
            return "*"
        if self.kind == "none":
            return "None"
        inner = ", ".join(
            f"{key!r}: {child!r}" if self.kind == "dict" else repr(child)
            for key, child in zip(self.keys or range(len(self.children)), self.children)
        )
        if self.kind == "dict":
            return "{" + inner + "}"
        if self.kind == "list":
            return "[" + inner + "]"
        if self.kind == "tuple":
            return "(" + inner + ("," if len(self.children) == 1 else "") + ")"
        return f"{self.type.__name__}({inner})"


def _is_namedtuple(value) -> bool:
    return isinstance(value, tuple) and hasattr(type(value), "_fields")


# what srcdiff differentiates with respect to as a parameter tree (dataclasses and None are trees here, not there)
TREE_TYPES = (dict, list, tuple)


def is_tree(value) -> bool:
    """Whether ``value`` is a parameter tree srcdiff differentiates with respect to: a dict, list or tuple (of
    arrays, numbers, and dicts, lists and tuples of them)."""
    return isinstance(value, TREE_TYPES)


def is_container(value) -> bool:
    """Whether ``value`` is a node of a tree (a dict, list, tuple, named tuple, dataclass or None)."""
    return (
        value is None
        or isinstance(value, (dict, list, tuple))
        or (dataclasses.is_dataclass(value) and not isinstance(value, type))
    )


def is_differentiable(leaf) -> bool:
    """Whether a leaf has a gradient: a floating-point (or complex) number or array. Integers, booleans,
    strings and everything else are constants, whose gradient is None."""
    if isinstance(leaf, (bool, np.bool_)):
        return False
    if isinstance(leaf, (float, complex, np.floating, np.complexfloating)):
        return True
    return isinstance(leaf, np.ndarray) and leaf.dtype.kind in "fc"


def _sorted_keys(mapping: dict) -> tuple:
    try:
        return tuple(sorted(mapping))
    except TypeError:  # keys of different types: their own order
        return tuple(mapping)


def _children(value) -> tuple:
    """(structure without children, the child values) of a container."""
    if value is None:
        return Structure("none"), ()
    if isinstance(value, dict):
        keys = _sorted_keys(value)
        return Structure("dict", type(value), keys, tuple(value)), tuple(value[k] for k in keys)
    if _is_namedtuple(value):
        return Structure("namedtuple", type(value), tuple(type(value)._fields)), tuple(value)
    if isinstance(value, tuple):
        return Structure("tuple", type(value)), tuple(value)
    if isinstance(value, list):
        return Structure("list", type(value)), tuple(value)
    fields = tuple(f.name for f in dataclasses.fields(value) if f.init)
    return Structure("dataclass", type(value), fields), tuple(getattr(value, f) for f in fields)


def flatten(tree) -> tuple:
    """``(leaves, structure)``: the leaves of ``tree`` in a fixed order, and what ``unflatten`` needs."""
    found: list = []

    def walk(value) -> Structure:
        if not is_container(value):
            found.append(value)
            return Structure("leaf")
        node, children = _children(value)
        return dataclasses.replace(node, children=tuple(walk(child) for child in children))

    structure = walk(tree)
    return found, structure


def leaves(tree) -> list:
    """The leaves of ``tree``, in the order ``flatten`` gives them."""
    return flatten(tree)[0]


def unflatten(structure: Structure, values) -> Any:
    """The tree of ``structure`` with ``values`` for its leaves, in order."""
    values = list(values)
    if len(values) != structure.size:
        raise ValueError(
            f"the structure {structure!r} has {structure.size} leaves, not {len(values)}"
        )
    position = 0

    def build(node: Structure):
        nonlocal position
        if node.kind == "leaf":
            position += 1
            return values[position - 1]
        items = [build(child) for child in node.children]
        if node.kind == "none":
            return None
        if node.kind == "dict":
            by_key = dict(zip(node.keys, items))
            rebuilt = {key: by_key[key] for key in node.order}
            return rebuilt if node.type is dict else node.type(rebuilt)
        if node.kind == "namedtuple":
            return node.type(*items)
        if node.kind in ("tuple", "list"):
            return node.type(items)
        return node.type(**dict(zip(node.keys, items)))

    return build(structure)


def tree_map(function: Callable, tree, *others):
    """The tree of ``function(leaf, *corresponding leaves of others)``; every tree has ``tree``'s structure.

    ``tree_map(lambda p, g: p - lr * g, params, grads)`` is a step of gradient descent on any structure.
    """
    values, structure = flatten(tree)
    columns = [values]
    for other in others:
        other_values, other_structure = flatten(other)
        if other_structure != structure:
            raise ValueError(
                f"tree_map needs trees of one structure: {structure!r} and {other_structure!r}"
            )
        columns.append(other_values)
    return unflatten(structure, [function(*leaf) for leaf in zip(*columns)])


map = tree_map  # tree.map(...) reads as well as tree_map(...)


def ravel(tree) -> tuple:
    """``(vector, unravel)``: the differentiable leaves of ``tree`` as one float vector, and the function that
    turns such a vector back into a tree of ``tree``'s structure, shapes and dtypes (Python floats stay floats;
    the other leaves, integers or strings, come back as they were).

    For optimisers that want one vector, such as ``scipy.optimize.minimize``.
    """
    values, structure = flatten(tree)
    varied = [is_differentiable(v) for v in values]
    shapes = [np.shape(v) if d else (0,) for v, d in zip(values, varied)]
    sizes = [int(np.prod(shape)) for shape in shapes]
    kinds = [float if isinstance(v, float) else np.asarray(v).dtype for v in values]
    pieces = [np.ravel(np.asarray(v, dtype=float)) for v, d in zip(values, varied) if d]
    vector = np.concatenate(pieces) if pieces else np.zeros(0)
    offsets = np.cumsum([0] + sizes)

    def unravel(flat):
        flat = np.asarray(flat)
        if flat.shape != (offsets[-1],):
            raise ValueError(
                f"unravel needs a vector of {offsets[-1]} numbers, not shape {flat.shape}"
            )
        rebuilt = []
        for start, stop, shape, kind, value, d in zip(
            offsets[:-1], offsets[1:], shapes, kinds, values, varied
        ):
            piece = flat[start:stop]
            if not d:
                rebuilt.append(value)
            elif kind is float:
                rebuilt.append(float(piece[0]))
            else:
                rebuilt.append(piece.reshape(shape).astype(kind, copy=True))
        return unflatten(structure, rebuilt)

    return vector, unravel
