"""The pipeline: source -> syntax tree -> fence -> normal form -> activity -> reverse mode -> optimise -> text.

Every stage can be printed (``srcdiff.source(f, stage=...)``), so the transformation can be watched step by step.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field

from . import codegen, fence
from .context import Context
from .errors import UnsupportedSyntaxError, WrtError
from .parsing import MISSING, ParsedFunction, parse_function
from .passes.activity import analyse
from .passes.normalize import normalize
from .passes.optimize import optimize
from .passes.reverse import ReverseMode

STAGES = ("parsed", "normalized", "adjoint", "optimized")


@dataclass
class Derivative:
    """The generated code for one (function, wrt, options) and what it needs to run."""

    source: str  # unformatted text of the generated defs
    entry: str  # the name of the gradient function in ``source``
    free_globals: dict  # user names the generated code reads -> their values now
    runtime_names: set  # ``_rt`` helpers it calls
    injected: dict  # names generated code reaches as closure variables -> objects
    free_vars: tuple  # the user function's closure variable names
    stages: dict = field(default_factory=dict)  # stage name -> source text
    filename: str = ""


def parameter_names(node: ast.FunctionDef) -> list:
    args = node.args
    return [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]


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


def derive(function, wrt=0, *, with_value: bool = False) -> Derivative:
    """Generate the gradient code of ``function`` with respect to ``wrt``."""
    parsed = parse_function(function)
    fence.check(parsed)
    stages = {"parsed": parsed.source + "\n"}
    wrt_names = resolve_wrt(parameter_names(parsed.node), wrt, parsed.name)
    context = Context(parsed)
    normal = normalize(context)
    stages["normalized"] = codegen.to_source(normal)
    returned = _returned_name(normal, context)
    activity = analyse(normal, list(wrt_names), returned, context)
    reverse = ReverseMode(context, normal, list(wrt_names), activity)
    name = entry_name(parsed.name, wrt_names, with_value)
    adjoint = reverse.build(name, returned, with_value)
    stages["adjoint"] = codegen.to_source(adjoint)
    final = optimize(adjoint, keep={returned, reverse.tape})
    text = codegen.to_source(final)
    stages["optimized"] = text
    return Derivative(
        source=text,
        entry=name,
        free_globals=_free_globals(final, parsed, context),
        runtime_names=_runtime_names(final, context),
        injected=dict(context.injected),
        free_vars=tuple(parsed.function.__code__.co_freevars),
        stages=stages,
        filename=_pseudo_filename(parsed, name),
    )


def _returned_name(normal: ast.FunctionDef, context: Context) -> str:
    final = normal.body[-1]
    if isinstance(final.value, ast.Name):
        return final.value.id
    name = context.namer.fresh()
    normal.body.insert(-1, ast.copy_location(
        ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=final.value), final))
    final.value = ast.Name(id=name, ctx=ast.Load())
    return name


def _pseudo_filename(parsed: ParsedFunction, name: str) -> str:
    return f"<srcdiff: {name}, generated from {parsed.filename}:{parsed.node.lineno}>"


def _free_globals(function: ast.FunctionDef, parsed: ParsedFunction, context: Context) -> dict:
    bound = set(parameter_names(function)) | set(context.injected)
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, ast.comprehension):
            bound |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
    free = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in bound:
            value = parsed.resolve(node)
            if value is MISSING:
                continue
            if getattr(builtins, node.id, MISSING) is value:
                continue
            free[node.id] = value
    return free


def _runtime_names(function: ast.FunctionDef, context: Context) -> set:
    return {
        node.attr for node in ast.walk(function)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
        and node.value.id == context.runtime
    }


def stage_source(function, wrt=0, stage: str = "optimized", *, with_value: bool = False) -> str:
    """The source text of one stage of the pipeline."""
    if stage not in STAGES:
        raise UnsupportedSyntaxError(f"unknown stage {stage!r}; the stages are {', '.join(STAGES)}")
    return derive(function, wrt, with_value=with_value).stages[stage]
