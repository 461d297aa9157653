"""What the compiler hands out: the ``Derivative`` (generated text, entry names, the names and objects it
needs, each stage's text), the stage names, and how ``wrt`` and the entry's name are spelt.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import WrtError

STAGES = ("parsed", "normalized", "adjoint", "optimized")
TWIN_STAGES = (
    "adjoint",
    "optimized",
)  # the stages at which the floats twin differs from the gradient
# the generated code shown apart: the gradient and its callees' vjp functions, or the gradient's floats twin
VARIANTS = ("general", "floats")


@dataclass
class Derivative:
    """The generated code for one (function, wrt, options) and what it needs to run."""

    source: str  # unformatted text of the generated defs
    entry: str  # the name of the gradient function in ``source``
    free_globals: dict  # user names the generated code reads -> their values now
    runtime_names: set  # ``_rt`` helpers it calls
    injected: dict  # names generated code reaches as closure variables -> objects
    free_vars: tuple  # the user function's closure variable names
    stages: dict = field(
        default_factory=dict
    )  # stage name -> source text of every function generated
    filename: str = ""
    guards: list = field(
        default_factory=list
    )  # (namespace, name, object) the code was generated for
    floats_entry: str | None = None  # a variant of the entry for calls with Python floats only
    # every guard the code relies on (see cache.py), those on the differentiated function relative to it
    assumptions: list = field(default_factory=list)
    # with a floats twin: "general" (every function but the twin) and "floats" (the twin) -> stage -> source text
    variants: dict = field(default_factory=dict)


def resolve_wrt(parameters: list, wrt, function_name: str = "the function") -> tuple:
    """``wrt`` (a position, a name, or a tuple of them) as a tuple of parameter names."""
    items = wrt if isinstance(wrt, (tuple, list)) else (wrt,)
    if not items:
        raise WrtError(f"wrt is empty: name at least one parameter of {function_name}")
    names = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            raise WrtError(f"wrt takes parameter positions or names, got {item!r}")
        if isinstance(item, int):
            if not -len(parameters) <= item < len(parameters):
                raise WrtError(
                    f"wrt={item} is out of range: {function_name} has {len(parameters)} parameter(s) "
                    f"({', '.join(parameters)})"
                )
            names.append(parameters[item])
        else:
            if item not in parameters:
                raise WrtError(
                    f"wrt names {item!r}, which is not a parameter of {function_name} "
                    f"(its parameters: {', '.join(parameters) or 'none'})"
                )
            names.append(item)
    if len(set(names)) != len(names):
        raise WrtError(f"wrt names a parameter twice: {names}")
    return tuple(names)


def entry_name(function_name: str, wrt: tuple, with_value: bool) -> str:
    name = f"d{function_name}_d{'_d'.join(wrt)}"
    return f"value_and_{name}" if with_value else name
