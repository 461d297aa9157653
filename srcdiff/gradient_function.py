"""The state behind each function the public transformations return (``GradientFunction``): the primal, wrt
and the options, the compiled derivative (from ``compiler.compiled``) and what the public functions do around a
call of it: check the inputs (``check_input``), and give each gradient its input's shape, dtype and own memory.
"""

from __future__ import annotations

import inspect

import numpy as np

from . import codegen, compiler, runtime, tree
from .callers import make_caller
from .errors import InputTypeError, SrcdiffError, UnsupportedSyntaxError
from .parsing import parse_function, require_code


def _refuse_variadic(function):
    """A located error for a function taking *args or **kwargs (a decorator's wrapper, often)."""
    parsed = parse_function(function)
    arguments = parsed.node.args
    special = arguments.vararg or arguments.kwarg
    wrapped = getattr(function, "__wrapped__", None)
    what = "*args" if arguments.vararg is not None else "**kwargs"
    if wrapped is not None:
        raise parsed.error(
            UnsupportedSyntaxError,
            f"srcdiff cannot differentiate {function.__qualname__} as it runs: it is a decorator's wrapper "
            f"(around {getattr(wrapped, '__qualname__', wrapped)!s}) taking {what}",
            special,
            hint=f"give the wrapper named parameters, or differentiate the undecorated function: "
            f"srcdiff.grad({function.__name__}.__wrapped__)",
        )
    raise parsed.error(
        UnsupportedSyntaxError,
        f"srcdiff cannot differentiate a function with {what} ({parsed.name})",
        special,
        hint="name every parameter",
    )


class GradientFunction:
    """The state behind a gradient function: the primal, wrt, and the generated code once compiled.

    What ``grad`` returns is a small generated function with the primal's signature (see ``srcdiff.callers``): it
    checks the inputs, calls the generated gradient and gives each gradient its input's shape and dtype.
    """

    def __init__(
        self,
        function,
        wrt,
        with_value: bool,
        disk_cache=None,
        has_aux: bool = False,
        mode: str = "grad",
        tangent_wrt: tuple | None = None,
    ):
        if not callable(function):
            raise SrcdiffError(f"grad needs a function, got {function!r}")
        # a bound method: differentiate its function, with the object as a constant first argument
        self.bound_object = function.__self__ if inspect.ismethod(function) else None
        if self.bound_object is not None:
            if mode != "grad":
                raise SrcdiffError(
                    f"{mode} takes a plain function: pass {function.__func__.__qualname__} and the object as its "
                    "first argument"
                )
            function = function.__func__
        # a decorated function is differentiated as it runs: the wrapper's own code, which calls the function
        # it wraps (parsing reads the wrapper's source, not the wrapped one's)
        self.function = function
        require_code(self.function)
        self.with_value = with_value
        self.signature = inspect.signature(self.function, follow_wrapped=False)
        if self.bound_object is not None:
            parameters = list(self.signature.parameters.values())
            self.signature = self.signature.replace(parameters=parameters[1:])
        if any(
            p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in self.signature.parameters.values()
        ):
            _refuse_variadic(self.function)
        parameters = [
            p.name
            for p in self.signature.parameters.values()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        self.wrt = compiler.resolve_wrt(parameters, wrt, getattr(function, "__name__", "function"))
        self.single = not isinstance(wrt, (tuple, list))
        self.disk_cache = disk_cache
        self.has_aux = has_aux
        self.mode = mode
        # second order: the tangents of the gradient's inputs (by default, the inputs differentiated against)
        self.tangent_wrt = tangent_wrt if tangent_wrt is not None or mode != "hvp" else self.wrt
        self.compiled = None
        self.derivative = None
        self.check = compiler.not_compiled()
        self.trees = (
            False  # whether a wrt argument has been a dict, list or tuple: compiled for those since
        )
        self.caller = make_caller(self, self.check_wrt) if mode == "grad" else None

    @property
    def positions(self) -> list:
        """The positions of the ``wrt`` parameters."""
        parameters = list(self.signature.parameters)
        return [parameters.index(name) for name in self.wrt]

    def compile(self):
        """Generate (or take from a cache, see ``compiler.cached``) and bind the gradient; return it, its variant
        for floats, and a function telling whether everything it was generated for still holds."""
        result = compiler.compiled(
            self.function,
            self.wrt,
            with_value=self.with_value,
            has_aux=self.has_aux,
            mode=self.mode,
            tangent_wrt=self.tangent_wrt,
            disk=self.disk_cache,
            trees=self.trees,
        )
        self.derivative, self.check, self.compiled = (
            result.derivative,
            result.check,
            result.function,
        )
        if self.caller is not None:
            self.caller.__wrapped__ = self.compiled  # inspect.getsource shows the generated code
        return self.compiled, result.floats, self.check

    def check_wrt(self, value, name: str) -> None:
        """Check an argument differentiated against; the first parameter tree makes the caller take a gradient
        compiled for trees (which adds cotangents of parameters item by item)."""
        check_tree_input(value, name)
        if not self.trees and tree.is_tree(value):
            self.trees = True
            self.caller.refresh()

    @property
    def generated(self):
        """The generated gradient function itself, without input checks (compiled again first if something
        it was generated for has changed)."""
        if self.compiled is None or not self.check():
            if self.caller is not None:
                self.caller.refresh()
            else:
                self.compile()
        return self.compiled

    @property
    def source(self) -> str:
        """The generated source, formatted for reading."""
        self.generated
        return codegen.format_source(self.derivative.source)

    def finish(self, result, inputs):
        """The generated function's result with each gradient shaped and typed like its input."""
        aux = None
        if self.has_aux:
            (value, aux), gradients = result if self.with_value else ((None, result[1]), result[0])
        else:
            value, gradients = result if self.with_value else (None, result)
        gradients = self.shape_like(gradients, inputs)
        if self.has_aux:
            return ((value, aux), gradients) if self.with_value else (gradients, aux)
        return (value, gradients) if self.with_value else gradients

    def shape_like(self, gradients, inputs):
        """One gradient (``single``) or a tuple of them, each with the structure, shape and dtype of its
        input."""
        for x in inputs:  # a loop, not any(): this runs on every call
            if isinstance(x, tree.TREE_TYPES):
                return self._shape_like_trees(gradients, inputs)
        if len(inputs) == 1:
            gradient = gradients if not isinstance(gradients, tuple) else gradients[0]
            gradients = own_memory((runtime.match(gradient, inputs[0]),), inputs)
        else:
            gradients = tuple(runtime.match(g, x) for g, x in zip(gradients, inputs))
        return gradients[0] if self.single else own_memory(gradients, inputs)

    def _shape_like_trees(self, gradients, inputs):
        """``shape_like`` where an input is a parameter tree: grad gives the cotangent of a single tree, vjp a
        tuple of one."""
        if len(inputs) == 1:
            gradients = (gradients[0] if self.mode == "vjp" else gradients,)
        gradients = tuple(match_tree(g, x) for g, x in zip(gradients, inputs))
        given, structure = tree.flatten(gradients)
        gradients = tree.unflatten(structure, own_memory(tuple(given), tuple(tree.leaves(inputs))))
        return gradients[0] if self.single else gradients

    def current_signature(self):
        """The signature with the function's defaults as they are now (made again only when they changed)."""
        defaults = (self.function.__defaults__, self.function.__kwdefaults__)
        cached = getattr(self, "_signature_for", None)
        if cached is not None and cached[0] is defaults[0] and cached[1] is defaults[1]:
            return cached[2]
        signature = inspect.signature(self.function, follow_wrapped=False)
        if self.bound_object is not None:
            signature = signature.replace(parameters=list(signature.parameters.values())[1:])
        self._signature_for = (*defaults, signature)
        return signature

    def all_arguments(self, args, kwargs=None) -> tuple:
        """Every parameter's value for a call with ``args`` and ``kwargs``, defaults filled in, in order."""
        bound = self.current_signature().bind(*args, **(kwargs or {}))
        bound.apply_defaults()
        return tuple(bound.arguments.values())

    def inputs(self, args, kwargs) -> tuple:
        """The arguments differentiated against, checked to be floating point."""
        bound = self.current_signature().bind(*args, **kwargs)
        bound.apply_defaults()
        values = tuple(bound.arguments[name] for name in self.wrt)
        check = check_tree_input if self.mode in ("grad", "vjp") else check_input
        for name, value in zip(self.wrt, values):
            check(value, name)
        return values


def own_memory(gradients: tuple, inputs: tuple) -> tuple:
    """The gradients as fresh, writable arrays: none read-only (a broadcast), none sharing memory with an input
    or with another gradient, so that ``g *= lr`` changes that gradient alone (leaf by leaf in a tree).
    """
    out = []
    for gradient in gradients:
        if isinstance(gradient, np.ndarray) and (
            not gradient.flags.writeable
            or any(
                isinstance(other, np.ndarray) and np.may_share_memory(gradient, other)
                for other in (*inputs, *out)
            )
        ):
            gradient = gradient.copy()
        out.append(gradient)
    return tuple(out)


def match_tree(g, x):
    """The cotangent ``g`` with the structure of ``x`` (a tuple stays a tuple, a named tuple its class) and each
    leaf the shape and dtype of ``x``'s."""
    if not tree.is_tree(x):
        return runtime.match(g, x) if tree.is_differentiable(x) else None
    if isinstance(x, dict):  # a key the cotangent lacks has a zero cotangent
        if not isinstance(g, dict):
            g = {}
        items = {key: match_tree(g.get(key, 0.0), value) for key, value in x.items()}
        return items if type(x) is dict else type(x)(items)
    if not isinstance(g, (list, tuple)) or len(g) != len(x):
        raise SrcdiffError(
            f"the gradient of a {type(x).__name__} of {len(x)} items came back as {type(g).__name__} "
            "(a srcdiff bug: please report it with the function)"
        )
    items = [match_tree(gi, xi) for gi, xi in zip(g, x)]
    if hasattr(type(x), "_fields"):
        return type(x)(*items)
    return type(x)(items)


def check_tree_input(value, name: str, top: bool = True) -> None:
    """``check_input`` for an argument, and for every floating-point leaf of a parameter tree (a dict, list
    or tuple, nested as deep as need be); a tree's other leaves (integers, strings) are constants, whose
    gradient is None."""
    if isinstance(value, dict):
        for key, item in value.items():
            check_tree_input(item, f"{name}[{key!r}]", top=False)
        return
    if tree.is_tree(value):
        for index, item in enumerate(value):
            check_tree_input(item, f"{name}[{index}]", top=False)
        return
    if top or tree.is_differentiable(value) or isinstance(value, np.matrix):
        check_input(value, name)


def check_input(value, name: str) -> None:
    """Differentiation needs floating-point inputs: reject integers and the like with a clear error."""
    if isinstance(
        value, np.matrix
    ):  # * and ** are matrix products on it: numpy's array rules do not hold
        raise InputTypeError(
            f"cannot differentiate with respect to {name}: it is an np.matrix, whose * and ** "
            "are matrix products; pass np.asarray(value) and write @ for matrix products"
        )
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            return
        kind = f"an array of dtype {value.dtype}"
    elif isinstance(value, (float, np.floating)):
        return
    elif isinstance(value, (bool, np.bool_)):
        kind = "a bool"
    elif isinstance(value, (int, np.integer)):
        raise InputTypeError(
            f"cannot differentiate with respect to {name}: it is an integer ({value!r}); "
            f"pass a float such as {float(value)!r}"
        )
    elif value is None:
        kind = "missing (None)"
    else:
        kind = f"a {type(value).__name__}"
    raise InputTypeError(
        f"cannot differentiate with respect to {name}: it is {kind}; pass a float or an array of "
        "floats (for example np.asarray(value, dtype=float))"
    )
