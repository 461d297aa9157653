"""The public transformations: grad, value_and_grad, source."""

from __future__ import annotations

import inspect

import numpy as np

from . import cache, codegen, compiler, loader, runtime
from .errors import InputTypeError, NonScalarOutputError, SrcdiffError
from .parsing import _unwrap, require_code


_DEFAULT = object()


class GradientFunction:
    """The gradient of a function: called like it, compiled on first use, cached."""

    def __init__(self, function, wrt, with_value: bool):
        if not callable(function):
            raise SrcdiffError(f"grad needs a function, got {function!r}")
        self.function = _unwrap(function)
        require_code(self.function)
        self.with_value = with_value
        self._parameters = _parameters(self.function)
        self.wrt = compiler.resolve_wrt(self._parameters, wrt, getattr(function, "__name__", "function"))
        self._positions = [self._parameters.index(n) for n in self.wrt]
        self._single = not isinstance(wrt, (tuple, list))
        self._compiled = None
        self._derivative = None
        self._guards = ()
        for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
            setattr(self, attribute, getattr(function, attribute, None))

    def _compile(self):
        options = (self.with_value,)
        cache_key = cache.key(self.function, self.wrt, options)
        entry = cache.get(cache_key)
        if entry is None:
            derivative = compiler.derive(self.function, self.wrt, with_value=self.with_value)
            inner = loader.compile_entry(derivative.source, derivative.filename, derivative.entry,
                                         derivative.injected, derivative.free_vars)
            entry = (derivative, inner)
            cache.put(cache_key, entry)
        derivative, inner = entry
        self._derivative = derivative
        self._guards = derivative.guards
        self._compiled = loader.bind(inner, self.function, derivative.entry, derivative.entry)
        return self._compiled

    @property
    def __wrapped__(self):
        """The generated function (so ``inspect.getsource`` shows the generated code)."""
        return self._compiled if self._compiled is not None else self._compile()

    @property
    def generated(self):
        """The generated gradient function itself, without input checks."""
        return self.__wrapped__

    @property
    def source(self) -> str:
        """The generated source, formatted for reading."""
        self.__wrapped__
        return codegen.format_source(self._derivative.source)

    def __call__(self, *args, **kwargs):
        compiled = self._compiled or self._compile()
        if self._guards and not cache.guards_hold(self._guards):
            compiled = self._compile()  # a function it calls was redefined since
        inputs = []
        for position, name in zip(self._positions, self.wrt):
            value = args[position] if position < len(args) else kwargs.get(name, _DEFAULT)
            if value is _DEFAULT:
                value = self._default(name)
            if type(value) is not float:
                _check_input(value, name)
            inputs.append(value)
        try:
            result = compiled(*args, **kwargs)
        except ValueError as exc:
            if "needs a function with a scalar output" in str(exc):
                raise NonScalarOutputError(str(exc)) from None
            raise
        value, gradients = result if self.with_value else (None, result)
        if len(inputs) == 1:
            if type(inputs[0]) is not float:
                gradients = runtime.match(gradients, inputs[0])
            if not self._single:
                gradients = (gradients,)
        else:
            gradients = tuple(g if type(x) is float else runtime.match(g, x)
                              for g, x in zip(gradients, inputs))
        return (value, gradients) if self.with_value else gradients

    def _default(self, name):
        parameter = inspect.signature(self.function).parameters[name]
        return None if parameter.default is parameter.empty else parameter.default

    def __repr__(self):
        return f"<srcdiff gradient of {self.function.__qualname__} wrt {', '.join(self.wrt)}>"


def _parameters(function) -> list:
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return []
    return [p.name for p in signature.parameters.values()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _check_input(value, name: str) -> None:
    """Differentiation needs floating-point inputs: reject integers and the like with a clear error."""
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


def grad(fun=None, wrt=0):
    """The gradient of ``fun``, a function returning a scalar, with respect to the argument(s) ``wrt``.

    Use as ``srcdiff.grad(f)``, ``@srcdiff.grad`` or ``@srcdiff.grad(wrt=("w", "b"))``. ``wrt`` is a position or
    a parameter name (a single gradient), or a tuple of them (a tuple of gradients, in that order).
    """
    if fun is None:
        return lambda function: GradientFunction(function, wrt, with_value=False)
    return GradientFunction(fun, wrt, with_value=False)


def value_and_grad(fun=None, wrt=0):
    """Like ``grad``, but the function returns ``(value, gradient)``."""
    if fun is None:
        return lambda function: GradientFunction(function, wrt, with_value=True)
    return GradientFunction(fun, wrt, with_value=True)


def source(fun, wrt=0, *, stage: str = "optimized", format: bool = True, with_value: bool = False) -> str:
    """The generated gradient source of ``fun`` (or of an earlier ``stage`` of the pipeline)."""
    if isinstance(fun, GradientFunction):
        fun, wrt, with_value = fun.function, fun.wrt, fun.with_value
    text = compiler.stage_source(fun, wrt, stage, with_value=with_value)
    return codegen.format_source(text) if format else text
