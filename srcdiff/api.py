"""The public transformations: grad, value_and_grad, vjp, jvp, jacobian, hessian, hvp, and source."""

from __future__ import annotations

import inspect
import linecache
import threading
from collections import OrderedDict

import numpy as np

from . import cache, codegen, compiler, disk_cache, loader, runtime
from .errors import InputTypeError, NonScalarOutputError, SrcdiffError, UnsupportedSyntaxError
from .parsing import parse_function, require_code

runtime.non_scalar_error = NonScalarOutputError  # generated code raises srcdiff's own error classes
runtime.alias_error = lambda message, filename, lineno: UnsupportedSyntaxError(
    message,
    filename=filename,
    lineno=lineno,
    source_line=linecache.getline(filename, lineno) or None,
)


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

    What ``grad`` returns is a small generated function with the primal's signature (see ``_make_caller``): it
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
        self.check = cache.checker([(None, "not compiled", None)])
        self.caller = _make_caller(self) if mode == "grad" else None

    @property
    def positions(self) -> list:
        """The positions of the ``wrt`` parameters."""
        parameters = list(self.signature.parameters)
        return [parameters.index(name) for name in self.wrt]

    def compile(self):
        """Generate (or take from the cache) and bind the gradient; return it, its variant for floats, and a
        function telling whether everything it was generated for still holds (see cache.py)."""
        options = (self.with_value, self.has_aux, self.mode, self.tangent_wrt)
        cache_key = cache.key(self.function, self.wrt, options)
        entry = cache.get(cache_key, self.function)
        if entry is None:
            directory = disk_cache.disk_directory(self.disk_cache)
            derivative = (
                disk_cache.load(directory, self.function, self.wrt, options) if directory else None
            )
            if derivative is None:
                derivative = compiler.derive(
                    self.function,
                    self.wrt,
                    with_value=self.with_value,
                    has_aux=self.has_aux,
                    mode=self.mode,
                    tangent_wrt=self.tangent_wrt,
                )
                if directory:
                    disk_cache.store(directory, self.function, self.wrt, options, derivative)
            names = (derivative.entry, derivative.floats_entry or derivative.entry)
            inner = loader.compile_entry(
                derivative.source,
                derivative.filename,
                names,
                derivative.injected,
                derivative.free_vars,
            )
            entry = (derivative, inner)
            cache.put(cache_key, entry)
        derivative, (inner, floats_inner) = entry
        self.derivative = derivative
        guards = cache.absolute(derivative.assumptions or derivative.guards, self.function)
        # the function's own defaults matter where the generated function is called without every argument
        # (vjp); grad's caller reads them at each call. An entry made elsewhere (on disk) records less: at least
        # the function's own code is checked.
        attributes = ("__defaults__", "__kwdefaults__") if self.mode == "vjp" else ()
        attributes += () if derivative.assumptions else ("__code__",)
        guards = guards + cache.absolute(
            cache.root_guards(self.function, attributes), self.function
        )
        self.check = cache.checker(guards)
        # jvp and hvp functions take the tangents after every argument: they are called with all of them
        self.compiled = loader.bind(
            inner,
            self.function,
            derivative.entry,
            derivative.entry,
            defaults=self.mode in ("grad", "vjp"),
        )
        floats = self.compiled
        if derivative.floats_entry is not None:
            floats = loader.bind(
                floats_inner, self.function, derivative.floats_entry, derivative.floats_entry
            )
        if self.caller is not None:
            self.caller.__wrapped__ = self.compiled  # inspect.getsource shows the generated code
        return self.compiled, floats, self.check

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
        """One gradient (``single``) or a tuple of them, each with the shape and dtype of its input."""
        if len(inputs) == 1:
            gradients = _own_memory(
                (
                    runtime.match(
                        gradients if not isinstance(gradients, tuple) else gradients[0], inputs[0]
                    ),
                ),
                inputs,
            )
        else:
            gradients = tuple(runtime.match(g, x) for g, x in zip(gradients, inputs))
        return gradients[0] if self.single else _own_memory(gradients, inputs)

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
        for name, value in zip(self.wrt, values):
            _check_input(value, name)
        return values


_CALLER = """
def __srcdiff_caller__({state}, {check_input}, {default}, {unset}, {type}, {float}{defaults}):
    {compiled} = {floats} = {guards} = None

    def {refresh}():
        nonlocal {compiled}, {floats}, {guards}
        {compiled}, {floats}, {guards} = {state}.compile()

    def {name}({parameters}):
        if {compiled} is None or not {guards}():
            {refresh}()
{fill_defaults}
        if {all_floats}:
            {fast}
        if {wrt_floats}:
            {wrt_fast}
{checks}
        return {state}.finish({compiled}({arguments}), ({inputs},))

    {name}.refresh = {refresh}
    return {name}
"""


class _Unset:
    def __repr__(self):
        return "<default>"


_UNSET = _Unset()


def _make_caller(state: GradientFunction):
    """A function with the primal's signature that checks the inputs and calls the generated gradient.

    Generated rather than written with ``*args``, so that a call costs little more than the gradient itself.
    Its defaults are read from the function at each call (a default changed later is seen), and every name it
    introduces is chosen not to clash with the function's parameters.
    """
    user_parameters = list(state.signature.parameters.values())
    taken = {p.name for p in user_parameters}
    name = compiler.entry_name(state.function.__name__.strip("<>"), state.wrt, state.with_value)
    taken.add(name)
    n = {}

    def fresh(stem: str) -> str:
        candidate = stem
        while candidate in taken:
            candidate += "_"
        taken.add(candidate)
        return candidate

    for internal in (
        "state",
        "check_input",
        "default",
        "unset",
        "type",
        "float",
        "compiled",
        "floats",
        "guards",
        "refresh",
        "value",
        "gradient",
        "bound_object",
    ):
        n[internal] = fresh("_" + internal if internal not in ("refresh",) else internal)
    parameters, arguments, fill = [], [], []
    keyword_only_started = False
    offset = (
        1 if state.bound_object is not None else 0
    )  # the function's own position of a parameter
    for position, parameter in enumerate(user_parameters):
        text = parameter.name
        if parameter.default is not parameter.empty:
            text += f"={n['unset']}"
            fill.append(
                f"        if {parameter.name} is {n['unset']}:\n"
                f"            {parameter.name} = {n['default']}({position + offset}, {parameter.name!r})"
            )
        if parameter.kind == parameter.KEYWORD_ONLY and not keyword_only_started:
            parameters.append("*")
            keyword_only_started = True
        parameters.append(text)
        arguments.append(
            f"{parameter.name}={parameter.name}"
            if parameter.kind == parameter.KEYWORD_ONLY
            else parameter.name
        )
    if any(p.kind == p.POSITIONAL_ONLY for p in user_parameters):
        last = max(i for i, p in enumerate(user_parameters) if p.kind == p.POSITIONAL_ONLY)
        parameters.insert(last + 1 + sum(1 for p in parameters[: last + 1] if p == "*"), "/")
    defaults = {}
    # with Python floats in every parameter, the variant for floats (when there is one) applies
    if state.bound_object is not None:  # the object of a bound method goes first
        arguments.insert(0, n["bound_object"])
        defaults[n["bound_object"]] = state.bound_object
    call = f"{n['floats']}({', '.join(arguments)})"
    if state.single or len(state.wrt) > 1:
        fast = f"return {call}"
    elif state.with_value:
        fast = f"{n['value']}, {n['gradient']} = {call}\n            return {n['value']}, ({n['gradient']},)"
    else:
        fast = f"return ({call},)"
    # with Python floats in the parameters differentiated against, the gradients only need to be floats
    gradients = [fresh(f"_g{i}") for i in range(len(state.wrt))]
    as_floats = ", ".join(
        f"({g} if {n['type']}({g}) is {n['float']} else {n['float']}({g}))" for g in gradients
    )
    if len(gradients) == 1 and not state.single:
        as_floats = f"({as_floats},)"
    elif len(gradients) > 1:
        as_floats = f"({as_floats})"
    unpacked = ", ".join(gradients) + ("," if len(gradients) == 1 else "")
    compiled_call = f"{n['compiled']}({', '.join(arguments)})"
    if state.with_value:
        wrt_fast = (
            f"{n['value']}, ({unpacked}) = {compiled_call}"
            if len(gradients) > 1
            else f"{n['value']}, {gradients[0]} = {compiled_call}"
        )
        wrt_fast += f"\n            return {n['value']}, {as_floats}"
    else:
        wrt_fast = (
            f"{unpacked} = {compiled_call}"
            if len(gradients) > 1
            else f"{gradients[0]} = {compiled_call}"
        )
        wrt_fast += f"\n            return {as_floats}"
    checks = "\n".join(f"        {n['check_input']}({w}, {w!r})" for w in state.wrt)
    text = _CALLER.format(
        name=name,
        defaults="".join(f", {d}" for d in defaults),
        parameters=", ".join(parameters),
        fill_defaults="\n".join(fill),
        all_floats=(
            "False"
            if state.has_aux
            else " and ".join(
                f"{n['type']}({p}) is {n['float']}" for p in state.signature.parameters
            )
        ),
        fast=fast,
        wrt_floats=(
            "False"
            if state.has_aux
            else " and ".join(f"{n['type']}({w}) is {n['float']}" for w in state.wrt)
        ),
        wrt_fast=wrt_fast,
        checks=checks,
        arguments=", ".join(arguments),
        inputs=", ".join(state.wrt),
        **{k: v for k, v in n.items() if k not in ("value", "gradient", "bound_object")},
    )
    namespace: dict = {}
    filename = f"<srcdiff caller of {state.function.__qualname__}>"
    exec(compile(text, filename, "exec"), namespace)
    loader.register_text(filename, text)
    function = state.function

    def default(position: int, parameter: str):
        """The default of a parameter as the function has it now."""
        if position < function.__code__.co_argcount:
            values = function.__defaults__ or ()
            index = position - (function.__code__.co_argcount - len(values))
            if 0 <= index < len(values):
                return values[index]
        elif parameter in (function.__kwdefaults__ or {}):
            return function.__kwdefaults__[parameter]
        raise TypeError(f"{function.__qualname__}() missing required argument: {parameter!r}")

    caller = namespace["__srcdiff_caller__"](
        state, _check_input, default, _UNSET, type, float, *defaults.values()
    )
    caller.__qualname__ = name
    caller.__module__ = state.function.__module__
    caller.__doc__ = (
        f"The gradient of {state.function.__qualname__} with respect to {', '.join(state.wrt)}."
    )
    caller.__signature__ = state.signature
    caller.srcdiff = state
    return caller


def _parameters(function) -> list:
    try:
        signature = inspect.signature(function, follow_wrapped=False)
    except (TypeError, ValueError):
        return []
    return [
        p.name
        for p in signature.parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def _own_memory(gradients: tuple, inputs: tuple) -> tuple:
    """The gradients as fresh, writable arrays: none read-only (a broadcast), none sharing memory with an input
    or with another gradient, so that ``g *= lr`` changes that gradient alone."""
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


def _check_input(value, name: str) -> None:
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
            _check_input(args[position], name)
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
        _check_input(args[index], state.wrt[varied.index(index)])
        if np.shape(tangents[index]) != np.shape(args[index]):
            raise SrcdiffError(
                f"the tangent of argument {index} has shape {np.shape(tangents[index])}, but the argument has "
                f"shape {np.shape(args[index])}"
            )
    return state.generated(*state.all_arguments(args), *(tangents[i] for i in varied))


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
            _check_input(args[position], name)
            if np.shape(v) != np.shape(args[position]):
                raise SrcdiffError(
                    f"the vector for {name} has shape {np.shape(v)}, but {name} has shape "
                    f"{np.shape(args[position])}"
                )
        _, product = state.generated(*state.all_arguments(args), *vectors)
        product = state.shape_like(product, [args[p] for p in positions])
        return product

    hessian_vector_product.__name__ = f"hvp_{getattr(fun, '__name__', 'function')}"
    hessian_vector_product.srcdiff = state
    return hessian_vector_product


def hessian(fun, wrt=0):
    """The matrix of second derivatives of ``fun`` (scalar output) with respect to ``wrt``: shape I + I for
    an input of shape I; for a tuple ``wrt``, a tuple of tuples of blocks. Built column by column from
    Hessian-vector products (forward over reverse)."""
    single = not isinstance(wrt, (tuple, list))
    product = hvp(fun, wrt)
    positions = product.srcdiff.positions

    def hessian_function(*args):
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
) -> str:
    """The generated gradient source of ``fun`` (or of an earlier ``stage`` of the pipeline).

    ``mode="forward"`` shows the forward-mode (jvp) code instead, with tangents for ``wrt``, and
    ``mode="hvp"`` the Hessian-vector product code (forward mode over the gradient).
    """
    state = getattr(fun, "srcdiff", None)
    if isinstance(state, GradientFunction):
        fun, wrt, with_value = state.function, state.wrt, state.with_value
    modes = {"reverse": "grad", "forward": "jvp", "hvp": "hvp"}
    if mode not in modes:
        raise SrcdiffError(f"source takes mode='reverse', 'forward' or 'hvp', not {mode!r}")
    text = compiler.stage_source(fun, wrt, stage, with_value=with_value, mode=modes[mode])
    return codegen.format_source(text) if format else text
