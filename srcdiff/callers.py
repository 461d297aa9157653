"""The callers: the function ``grad`` and ``value_and_grad`` return, written as Python text per gradient.

A caller has the primal's signature, so a call costs little more than the generated gradient itself. For

    def loss(w, b=1.0):
        return np.sum(np.tanh(w) * w) + b * b

``srcdiff.grad(loss, wrt=("w", "b"))`` writes (and registers in linecache as ``<srcdiff caller of loss>``)::

    def __srcdiff_caller__(_state, _check_input, _default, _unset, _type, _float):
        _compiled = _floats = _guards = None

        def refresh():
            nonlocal _compiled, _floats, _guards
            _compiled, _floats, _guards = _state.compile()

        def dloss_dw_db(w, b=_unset):
            if _compiled is None or not _guards():
                refresh()
            if b is _unset:
                b = _default(1, 'b')
            if _type(w) is _float and _type(b) is _float:
                return _floats(w, b)
            if _type(w) is _float and _type(b) is _float:
                _g0, _g1 = _compiled(w, b)
                return ((_g0 if _type(_g0) is _float else _float(_g0)), (_g1 if ... else _float(_g1)))
            _check_input(w, 'w')
            _check_input(b, 'b')
            return _state.finish(_compiled(w, b), (w, b,))

        dloss_dw_db.refresh = refresh
        return dloss_dw_db

``_state`` is the ``GradientFunction`` (gradient_function.py): ``compile`` gives the generated gradient, its
variant for Python floats (the ``_floats`` twin the compiler writes for a scalar-closed function) and the check
of its guards, which each call runs first. Defaults are read from the function at each call, so a default
changed later is seen. Every name the caller introduces is chosen not to clash with the function's parameters
(``_state_`` where the function has a parameter ``_state``).
"""

from __future__ import annotations

from . import compiler, loader

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


def make_caller(state, check_input):
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
        state, check_input, default, _UNSET, type, float, *defaults.values()
    )
    caller.__qualname__ = name
    caller.__module__ = state.function.__module__
    caller.__doc__ = (
        f"The gradient of {state.function.__qualname__} with respect to {', '.join(state.wrt)}."
    )
    caller.__signature__ = state.signature
    caller.srcdiff = state
    return caller
