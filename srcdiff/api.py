"""The public transformations: grad, value_and_grad, vjp, jvp, jacobian, hessian, hvp, and source.

This module only shapes them: what each takes and returns. The state behind the functions they return is a
``GradientFunction`` (gradient_function.py); the functions ``grad`` returns are written by ``callers``; the
derivative itself, and its caches, come from the compiler (``compiler.compiled``, ``compiler.stage_source``).
"""

from __future__ import annotations

import inspect
import linecache
import threading
from collections import OrderedDict

import numpy as np

from . import codegen, compiler, runtime, tree
from .errors import InputTypeError, NonScalarOutputError, SrcdiffError, UnsupportedSyntaxError
from .gradient_function import GradientFunction, check_input, check_tree_input

runtime.non_scalar_error = NonScalarOutputError  # generated code raises srcdiff's own error classes
runtime.alias_error = lambda message, filename, lineno: UnsupportedSyntaxError(
    message,
    filename=filename,
    lineno=lineno,
    source_line=linecache.getline(filename, lineno) or None,
)


def _parameters(function) -> list:
    """The names of ``function``'s parameters but *args and **kwargs (none without a signature)."""
    try:
        signature = inspect.signature(function, follow_wrapped=False)
    except (TypeError, ValueError):
        return []
    return [
        p.name
        for p in signature.parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def _second_derivative(gradient, wrt):
    """``grad(grad(f))``: the derivative of a scalar gradient, by forward mode over the gradient's code."""
    inner = gradient.srcdiff
    if inner.mode != "grad" or inner.has_aux or inner.with_value or not inner.single:
        raise SrcdiffError(
            "grad of a gradient needs a plain grad(f) with a single wrt as the inner function"
        )
    parameters = [p.name for p in inner.signature.parameters.values()]
    outer = compiler.resolve_wrt(parameters, wrt, inner.function.__name__)
    state = GradientFunction(inner.function, inner.wrt, False, None, mode="hvp", tangent_wrt=outer)
    positions = [parameters.index(name) for name in outer]  # differentiated again: the outer wrt

    def second(*args):
        for position, name in zip(positions, outer):
            check_input(args[position], name)
        inner_argument = args[parameters.index(inner.wrt[0])]
        if np.ndim(inner_argument) != 0:
            raise NonScalarOutputError(
                f"grad of grad({inner.function.__name__}) needs a scalar gradient, but it has shape "
                f"{np.shape(inner_argument)}; use srcdiff.hessian for the matrix of second derivatives"
            )
        partials = []
        for position in positions:
            tangents = [1.0 if p == position else runtime.zeros_like(args[p]) for p in positions]
            first, tangent = state.generated(*state.all_arguments(args), *tangents)
            if np.ndim(first) != 0:
                raise NonScalarOutputError(
                    f"grad of grad({inner.function.__name__}) needs a scalar gradient, but it has shape "
                    f"{np.shape(first)}; use srcdiff.hessian for the matrix of second derivatives"
                )
            partials.append(tangent)
        return partials[0] if not isinstance(wrt, (tuple, list)) else tuple(partials)

    second.__name__ = second.__qualname__ = f"d2{inner.function.__name__}"
    second.srcdiff = state
    return second


def grad(fun=None, wrt=0, *, has_aux=False, cache=None):
    """The gradient of ``fun``, a function returning a scalar, with respect to the argument(s) ``wrt``.

    Use as ``srcdiff.grad(f)``, ``@srcdiff.grad`` or ``@srcdiff.grad(wrt=("w", "b"))``. ``wrt`` is a position or
    a parameter name (a single gradient), or a tuple of them (a tuple of gradients, in that order). With
    ``has_aux=True``, ``fun`` returns ``(value, aux)``; the gradient function then returns
    ``(gradient, aux)``. The code is generated now, or on the first call if a function ``fun`` calls is not
    defined yet, and cached in memory; ``cache=True`` (or a folder, or the SRCDIFF_CACHE_DIR environment
    variable) also keeps it on disk for other processes.
    """
    if fun is None:
        return lambda function: grad(function, wrt, has_aux=has_aux, cache=cache)
    if isinstance(getattr(fun, "srcdiff", None), GradientFunction) and fun.srcdiff.mode == "hvp":
        raise SrcdiffError(
            f"srcdiff takes derivatives up to the second order: {fun.__name__} is already a second derivative "
            "(forward mode over the gradient code), and third derivatives are not implemented",
            hint="for the second derivative use srcdiff.grad(srcdiff.grad(f)), srcdiff.hessian or srcdiff.hvp",
        )
    if isinstance(getattr(fun, "srcdiff", None), GradientFunction) and fun.srcdiff.mode == "grad":
        return _second_derivative(fun, wrt)
    return _prepared(GradientFunction(fun, wrt, False, cache, has_aux).caller)


def _prepared(caller):
    """Generate the code now if possible, so that inspect.getsource shows it before the first call; where it
    is not possible yet (a function it calls is defined later), the first call tries again and reports.
    """
    try:
        caller.refresh()
    except SrcdiffError:
        pass
    return caller


def value_and_grad(fun=None, wrt=0, *, has_aux=False, cache=None):
    """Like ``grad``, but returns ``(value, gradient)`` (``((value, aux), gradient)`` with ``has_aux``)."""
    if fun is None:
        return lambda function: value_and_grad(function, wrt, has_aux=has_aux, cache=cache)
    return _prepared(GradientFunction(fun, wrt, True, cache, has_aux).caller)


class _States:
    """The GradientFunction of the last function called per code object (a training loop that makes a new
    lambda at each step reuses one slot, and keeps no older lambda, nor the data it captured, alive), for the
    most recently used code objects only."""

    def __init__(self, size: int = 64):
        self.size = size
        self._states: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, fun, options: tuple, make):
        code = getattr(fun, "__code__", None)
        key = (code if code is not None else id(fun), options)
        with self._lock:
            state = self._states.get(key)
            if state is not None and (state.original is fun):
                self._states.move_to_end(key)
                return state
        state = make()
        state.original = fun
        with self._lock:
            self._states[key] = state
            while len(self._states) > self.size:
                self._states.popitem(last=False)
        return state

    def clear(self):
        with self._lock:
            self._states.clear()


_VJP_STATES = _States()


def vjp(fun, *args, wrt=0, has_aux=False):
    """``(output, pullback)``: ``fun(*args)`` and the function mapping an output cotangent to the cotangents
    of the ``wrt`` arguments (a tuple when ``wrt`` is a tuple). With ``has_aux``, ``fun`` returns
    ``(output, aux)`` and vjp returns ``(output, pullback, aux)``.

    The output may be a scalar, an array or a tuple; the cotangent has its structure. The pullback may be
    called more than once (each further call runs the forward sweep again).
    """
    options = (wrt if isinstance(wrt, (int, str)) else tuple(wrt), has_aux)
    state = _VJP_STATES.get(
        fun, options, lambda: GradientFunction(fun, wrt, False, None, has_aux, mode="vjp")
    )
    inputs = state.inputs(args, {})
    compiled = state.generated
    result = compiled(*args)
    output, pullback = result[0], result[1]
    used = []

    def public_pullback(cotangent):
        generated_pullback = pullback if not used else compiled(*args)[1]
        used.append(True)
        return state.shape_like(generated_pullback(cotangent), inputs)

    return (output, public_pullback, result[2]) if has_aux else (output, public_pullback)


_JVP_STATES = _States()


def jvp(fun, args, tangents):
    """``(output, output_tangent)``: ``fun(*args)`` and its directional derivative along ``tangents``.

    As in JAX, ``args`` holds every argument and ``tangents`` one tangent per argument, in the same order
    (``None`` for an argument held constant). The code is forward mode, generated once per pattern of
    constant arguments.
    """
    args, tangents = tuple(args), tuple(tangents)
    if len(args) != len(tangents):
        raise SrcdiffError(
            f"jvp needs one tangent per argument: {len(args)} arguments, {len(tangents)} tangents"
        )
    varied = tuple(i for i, t in enumerate(tangents) if t is not None)
    if not varied:
        output = fun(*args)
        return output, runtime.zeros_like(output)
    state = _JVP_STATES.get(
        fun, (varied,), lambda: GradientFunction(fun, varied, False, None, mode="jvp")
    )
    for index in varied:
        check_tree_input(args[index], state.wrt[varied.index(index)])
        _check_tangent(args[index], tangents[index], index)
    return state.generated(*state.all_arguments(args), *(tangents[i] for i in varied))


def _same_structure(argument, tangent, index: int) -> tuple:
    """The leaves of a parameter tree and of its tangent, which must have the tree's structure."""
    leaves, structure = tree.flatten(argument)
    tangent_leaves, tangent_structure = tree.flatten(tangent)
    if tangent_structure != structure:
        raise SrcdiffError(
            f"the tangent of argument {index} has the structure {tangent_structure!r}, but the argument "
            f"has {structure!r}"
        )
    return leaves, tangent_leaves


def _check_tangent(argument, tangent, index: int) -> None:
    """A tangent has its argument's structure (for a parameter tree) and shapes."""
    if not tree.is_tree(argument):  # an array or a number, on every call: no flattening
        leaves, tangent_leaves = (argument,), (tangent,)
    else:
        leaves, tangent_leaves = _same_structure(argument, tangent, index)
    for leaf, tangent_leaf in zip(leaves, tangent_leaves):
        if np.shape(tangent_leaf) != np.shape(leaf):
            raise SrcdiffError(
                f"the tangent of argument {index} has shape {np.shape(tangent_leaf)}, but the argument has "
                f"shape {np.shape(leaf)}"
            )


def hvp(fun, wrt=0):
    """The Hessian-vector product of ``fun`` (scalar output) with respect to ``wrt``, without forming the
    Hessian: ``hvp(f)(*args, v)`` is H v, where H holds the second derivatives of ``f`` at ``args``. With a
    tuple ``wrt``, ``v`` is a tuple of vectors and the result a tuple. Forward mode over the generated
    gradient: one pass, about the cost of two gradients."""
    single = not isinstance(wrt, (tuple, list))
    state = GradientFunction(fun, wrt, False, None, mode="hvp")
    positions = state.positions

    def hessian_vector_product(*args_and_vector):
        *args, vector = args_and_vector
        vectors = (vector,) if single else tuple(vector)
        if len(vectors) != len(positions):
            raise SrcdiffError(
                f"hvp needs one vector per wrt argument ({len(positions)}), got {len(vectors)}"
            )
        for position, name, v in zip(positions, state.wrt, vectors):
            check_tree_input(args[position], name)
            _check_tangent(args[position], v, position)
            if not state.trees and tree.is_tree(args[position]):
                state.trees, state.compiled = True, None  # compiled again, for parameter trees
        _, product = state.generated(*state.all_arguments(args), *vectors)
        product = state.shape_like(product, [args[p] for p in positions])
        return product

    hessian_vector_product.__name__ = f"hvp_{getattr(fun, '__name__', 'function')}"
    hessian_vector_product.srcdiff = state
    return hessian_vector_product


def _refuse_trees(name: str, args, positions, names) -> None:
    """Matrices of derivatives take arrays and numbers: a clear error for a parameter tree."""
    for position, parameter in zip(positions, names):
        if tree.is_tree(args[position]):
            raise InputTypeError(
                f"{name} takes arrays and numbers, and {parameter} is a {type(args[position]).__name__}: "
                "use srcdiff.hvp or srcdiff.jvp, which take parameter trees, or make one vector of it "
                "with srcdiff.tree.ravel"
            )


def hessian(fun, wrt=0):
    """The matrix of second derivatives of ``fun`` (scalar output) with respect to ``wrt``: shape I + I for
    an input of shape I; for a tuple ``wrt``, a tuple of tuples of blocks. Built column by column from
    Hessian-vector products (forward over reverse)."""
    single = not isinstance(wrt, (tuple, list))
    product = hvp(fun, wrt)
    positions = product.srcdiff.positions

    def hessian_function(*args):
        _refuse_trees("hessian", args, positions, product.srcdiff.wrt)
        inputs = [np.asarray(args[p], dtype=float) for p in positions]
        blocks = [[None] * len(positions) for _ in positions]
        for j, x in enumerate(inputs):
            columns = []
            for index in np.ndindex(*x.shape):
                vectors = [np.zeros(v.shape) if v.shape else 0.0 for v in inputs]
                if x.shape:
                    vectors[j][index] = 1.0
                else:
                    vectors[j] = 1.0
                result = product(*args, vectors[0] if single else tuple(vectors))
                columns.append((result,) if single else result)
            for i, y in enumerate(inputs):
                stacked = np.array([np.asarray(c[i], dtype=float) for c in columns])
                blocks[i][j] = np.moveaxis(
                    stacked.reshape(x.shape + y.shape),
                    tuple(range(x.ndim)),
                    tuple(range(y.ndim, y.ndim + x.ndim)),
                )
        return blocks[0][0] if single else tuple(tuple(row) for row in blocks)

    hessian_function.__name__ = f"hessian_of_{getattr(fun, '__name__', 'function')}"
    return hessian_function


def jacobian(fun, wrt=0, *, mode=None):
    """The Jacobian of ``fun`` with respect to ``wrt``: for an output of shape S and an input of shape I, an
    array of shape S + I (as in JAX). A tuple ``wrt`` gives a tuple of Jacobians.

    ``mode="forward"`` builds it one input element at a time (a jvp each), ``mode="reverse"`` one output
    element at a time (a pullback each); by default the one with fewer passes.
    """
    if mode not in (None, "forward", "reverse"):
        raise SrcdiffError(f"jacobian takes mode='forward' or mode='reverse', not {mode!r}")
    single = not isinstance(wrt, (tuple, list))

    def jacobian_function(*args):
        names = compiler.resolve_wrt(
            list(inspect.signature(fun, follow_wrapped=False).parameters), wrt, fun.__name__
        )
        positions = [
            list(inspect.signature(fun, follow_wrapped=False).parameters).index(n) for n in names
        ]
        _refuse_trees("jacobian", args, positions, names)
        chosen = mode
        if chosen is None:
            inputs = sum(np.size(args[p]) for p in positions)
            chosen = "forward" if inputs <= np.size(fun(*args)) else "reverse"
        if chosen == "forward":
            blocks = tuple(_forward_jacobian(fun, args, p) for p in positions)
            return blocks[0] if single else blocks
        output, pullback = vjp(fun, *args, wrt=wrt)
        output_shape = np.shape(output)
        rows = []
        for index in np.ndindex(*output_shape):
            basis = np.zeros(output_shape)
            basis[index] = 1.0
            cotangents = pullback(basis if output_shape else 1.0)
            rows.append((cotangents,) if single else cotangents)
        blocks = []
        for k in range(len(rows[0]) if rows else 0):
            stacked = np.array([np.asarray(row[k], dtype=float) for row in rows])
            blocks.append(stacked.reshape(output_shape + np.shape(rows[0][k])))
        return blocks[0] if single else tuple(blocks)

    jacobian_function.__name__ = f"jacobian_of_{getattr(fun, '__name__', 'function')}"
    return jacobian_function


def _forward_jacobian(fun, args: tuple, position: int):
    """The Jacobian with respect to ``args[position]``, a column (jvp) per input element."""
    x = args[position]
    tangents = [None] * len(args)
    columns = []
    output = None
    for index in np.ndindex(*np.shape(x)):
        basis = np.zeros(np.shape(x))
        basis[index] = 1.0
        tangents[position] = basis if np.shape(x) else 1.0
        output, column = jvp(fun, args, tangents)
        columns.append(np.asarray(column, dtype=float))
    output_shape = np.shape(output)
    stacked = (
        np.array(columns).reshape(np.shape(x) + output_shape) if columns else np.zeros(output_shape)
    )
    return np.moveaxis(
        stacked,
        tuple(range(np.ndim(x))),
        tuple(range(len(output_shape), len(output_shape) + np.ndim(x))),
    )


def source(
    fun,
    wrt=0,
    *,
    stage: str = "optimized",
    format: bool = True,
    with_value: bool = False,
    mode: str = "reverse",
    variant: str = "general",
) -> str:
    """The generated gradient source of ``fun`` (or of an earlier ``stage`` of the pipeline).

    ``mode="forward"`` shows the forward-mode (jvp) code instead, with tangents for ``wrt``, and
    ``mode="hvp"`` the Hessian-vector product code (forward mode over the gradient). For a function whose
    values are all scalars, srcdiff also writes a twin of the gradient for calls with Python floats only:
    ``variant="floats"`` shows that twin; the default, ``variant="general"``, the gradient and the functions
    it calls. An unknown stage, mode or variant is a ValueError naming the choices.
    """
    state = getattr(fun, "srcdiff", None)
    if isinstance(state, GradientFunction):
        fun, wrt, with_value = state.function, state.wrt, state.with_value
    modes = {"reverse": "grad", "forward": "jvp", "hvp": "hvp"}
    # the stage and the variant are checked by stage_source
    compiler.check_choice("mode", mode, tuple(modes))
    text = compiler.stage_source(
        fun, wrt, stage, with_value=with_value, mode=modes[mode], variant=variant
    )
    return codegen.format_source(text) if format else text
