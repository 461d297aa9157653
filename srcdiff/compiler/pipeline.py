"""The pipeline, from a function to a ``Derivative``: parse -> fence -> for each function generated (the
gradient, its floats twin, the vjp of each callee) normal form -> activity -> reverse mode -> optimise -> text,
then the checks on the names the result reads.

``derive`` runs it for one (function, wrt, options); it knows nothing of caches (``cached.compiled`` does).
Every stage can be printed (``stage_source``, ``srcdiff.source(f, stage=...)``), so the transformation can be
watched step by step.
"""

from __future__ import annotations

import sys

from .. import cache, codegen, fence
from ..analysis.defuse import parameters
from ..context import Context, Module
from ..errors import ChoiceError, UnsupportedSyntaxError
from ..parsing import ParsedFunction, parse_function
from .callees import context_for_callee
from .checks import check_names, find_free_globals, refuse_calls_of_variables, runtime_names
from .derivative import STAGES, TWIN_STAGES, VARIANTS, Derivative, entry_name, resolve_wrt
from .transform import forward_function, reverse_function

_RECURSION_LIMIT = (
    20000  # the passes recurse over expressions: a sum of a few hundred terms is that deep
)


def derive(function, wrt=0, **options) -> Derivative:
    """Generate the gradient code of ``function`` (see ``_derive``), with room for deeply nested expressions;
    one nested deeper than that is a located error."""
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(limit, _RECURSION_LIMIT))
        return _derive(function, wrt, **options)
    except RecursionError:
        parsed = parse_function(function)
        raise parsed.error(
            UnsupportedSyntaxError,
            f"an expression in {parsed.name} is nested too deeply for srcdiff to transform",
            parsed.node,
            hint="split long expressions into several assignments",
        ) from None
    finally:
        sys.setrecursionlimit(limit)


def _derive(
    function,
    wrt=0,
    *,
    with_value: bool = False,
    has_aux: bool = False,
    mode: str = "grad",
    tangent_wrt: tuple | None = None,
    trees: bool = False,
) -> Derivative:
    """Generate the gradient code of ``function`` with respect to ``wrt``.

    The result is one module: the gradient function (``mode="grad"``) or the function returning the result and
    its pullback (``mode="vjp"``), then a vjp function for each of the user's functions it calls (and they
    call). With ``has_aux`` the function returns ``(value, aux)`` and only the value is differentiated.
    ``mode="jvp"`` generates forward-mode code instead, and ``mode="hvp"`` the forward mode of the gradient
    code (tangents for ``tangent_wrt``): Hessian-vector products, forward over reverse.
    """
    parsed = parse_function(function)
    fence.check(parsed)
    refuse_calls_of_variables(parsed)
    wrt_names = resolve_wrt(parameters(parsed.node), wrt, parsed.name)
    if mode == "jvp":
        return _derive_forward(parsed, wrt_names)
    if mode == "hvp":
        return _derive_hvp(parsed, wrt_names, tangent_wrt or wrt_names, trees)
    module = Module(parsed.globals)
    module.root = parsed
    context = Context(parsed, module)
    name = f"vjp_{parsed.name}" if mode == "vjp" else entry_name(parsed.name, wrt_names, with_value)

    def build(reverse, returned, aux):
        if mode == "vjp":
            return reverse.build_vjp(name, returned, list(wrt_names), aux)
        return reverse.build(name, returned, with_value, aux)

    stages = {stage: [] for stage in STAGES}  # the gradient, then the vjp of each callee
    twin_stages = None  # the floats twin's, kept apart (see _with_twin)
    # the caller of a gradient checks that its inputs are floats or arrays, unless it has been given parameter
    # trees (dicts, lists, tuples), whose cotangents add item by item
    functions = [
        reverse_function(
            context,
            stages,
            build,
            list(wrt_names),
            has_aux=has_aux,
            checked=wrt_names if mode == "grad" and not trees else (),
        )
    ]
    contexts = [context]
    floats_entry = None
    if context.scalar_closed and mode == "grad" and not has_aux:
        # the same gradient for calls with Python floats only: no shapes to undo, no output to check
        floats_entry = f"{name}_floats"
        floats_parsed = parse_function(function)
        floats_context = Context(floats_parsed, module)
        twin_stages = {stage: [] for stage in STAGES}
        functions.append(
            reverse_function(
                floats_context,
                twin_stages,
                lambda reverse, returned, aux: reverse.build(floats_entry, returned, with_value),
                list(wrt_names),
                scalar=True,
            )
        )
        contexts.append(floats_context)
    while module.pending:
        callee = module.pending.pop(0)
        callee_context = context_for_callee(callee, module)
        vjp_name = module.derivatives[callee]
        functions.append(
            reverse_function(
                callee_context,
                stages,
                lambda reverse, returned, aux: reverse.build_vjp(vjp_name, returned),
                None,
            )
        )
        contexts.append(callee_context)
    return _assemble(parsed, module, functions, contexts, stages, name, floats_entry, twin_stages)


def _assemble(
    parsed, module, functions, contexts, stages, name, floats_entry=None, twin_stages=None
) -> Derivative:
    """The Derivative of a generated module: its text, its stages, and the names and objects it needs."""
    free_globals = {}
    for function_node, function_context in zip(functions, contexts):
        free_globals.update(
            find_free_globals(function_node, function_context.parsed, function_context)
        )
    check_names(parsed, module, functions, contexts, (name, floats_entry))
    assumptions = cache.root_guards(parsed.function, ("__code__",)) + cache.relative(
        list(module.guards) + list(module.assumptions), parsed.function
    )
    return Derivative(
        source="\n\n".join(codegen.to_source(f) for f in functions),
        entry=name,
        free_globals=free_globals,
        runtime_names=set().union(*(runtime_names(f, c) for f, c in zip(functions, contexts))),
        injected=dict(module.injected),
        free_vars=tuple(parsed.function.__code__.co_freevars),
        stages=_joined(_with_twin(stages, twin_stages)),
        variants={} if twin_stages is None else _variants(stages, twin_stages),
        filename=_pseudo_filename(parsed, name),
        guards=list(module.guards),
        floats_entry=floats_entry,
        assumptions=assumptions,
    )


def _derive_hvp(
    parsed: ParsedFunction, wrt: tuple, tangent_wrt: tuple, trees: bool = False
) -> Derivative:
    """``hvp_f(*args, *tangents) -> (gradient, its tangent)``: forward mode over the generated gradient."""
    module = Module(parsed.globals)
    module.root = parsed
    context = Context(parsed, module)
    stages = {stage: [] for stage in STAGES}
    gradient_name = entry_name(parsed.name, wrt, False)
    gradient = reverse_function(
        context,
        stages,
        lambda reverse, returned, aux: reverse.build(gradient_name, returned, False),
        list(wrt),
        inline=True,
        checked=() if trees else wrt,
    )
    if module.derivatives:
        raise UnsupportedSyntaxError(
            f"srcdiff does not yet take second derivatives of {parsed.name}, which calls your own functions "
            f"({', '.join(f.__name__ for f in module.derivatives)})",
            filename=parsed.filename,
            lineno=parsed.node.lineno,
            hint="inline the functions it calls to get Hessians",
        )
    module.kind = "jvp"
    name = f"hvp_{parsed.name}"
    generated = ParsedFunction(
        parsed.function, gradient, codegen.to_source(gradient), parsed.filename, parsed.closure
    )
    gradient_context = Context(generated, module)
    stages["optimized"] = (
        []
    )  # the second-order function is the result, not the gradient it starts from
    functions = [forward_function(gradient_context, stages, name, list(tangent_wrt))]
    contexts = [gradient_context]
    while module.pending:  # functions the gradient calls: the rules it calls rather than pastes
        callee = module.pending.pop(0)
        contexts.append(context_for_callee(callee, module))
        functions.append(
            forward_function(
                contexts[-1],
                stages,
                module.derivatives[callee],
                parameters(contexts[-1].parsed.node),
            )
        )
    return _assemble(parsed, module, functions, contexts, stages, name)


def _derive_forward(parsed: ParsedFunction, tangent_names: tuple) -> Derivative:
    """Forward mode: ``jvp_f(*args, *tangents) -> (value, tangent)``, tangents for ``tangent_names``."""
    module = Module(parsed.globals, kind="jvp")
    module.root = parsed
    stages = {stage: [] for stage in STAGES}
    name = f"jvp_{parsed.name}"
    functions, contexts = [], []
    pending = [(Context(parsed, module), name, list(tangent_names))]
    while pending:
        context, function_name, varied = pending.pop(0)
        stages["parsed"].append(context.parsed.source + "\n")
        functions.append(forward_function(context, stages, function_name, varied))
        contexts.append(context)
        while module.pending:
            callee = module.pending.pop(0)
            callee_context = context_for_callee(callee, module)
            pending.append(
                (callee_context, module.derivatives[callee], parameters(callee_context.parsed.node))
            )
    return _assemble(parsed, module, functions, contexts, stages, name)


def _with_twin(stages: dict, twin_stages: dict | None) -> dict:
    """Each stage's texts of every function generated: the floats twin comes after the gradient it is a twin of,
    from the stage where they differ (the adjoint) on."""
    if twin_stages is None:
        return stages
    return {
        stage: texts[:1] + (twin_stages[stage] if stage in TWIN_STAGES else []) + texts[1:]
        for stage, texts in stages.items()
    }


def _variants(stages: dict, twin_stages: dict) -> dict:
    """The text of each variant apart: the general gradient with its callees, and the floats twin alone."""
    return {"general": _joined(stages), "floats": _joined(twin_stages)}


def _joined(stages: dict) -> dict:
    return {stage: "\n\n".join(texts) for stage, texts in stages.items()}


def _pseudo_filename(parsed: ParsedFunction, name: str) -> str:
    return f"<srcdiff: {name}, generated from {parsed.filename}:{parsed.node.lineno}>"


def check_choice(option: str, value, choices) -> None:
    """A ChoiceError naming the choices unless ``value`` is one of them."""
    if value not in choices:
        raise ChoiceError(
            f"unknown {option} {value!r}: the {option}s are {', '.join(map(repr, choices))}"
        )


def stage_source(
    function,
    wrt=0,
    stage: str = "optimized",
    *,
    with_value: bool = False,
    mode: str = "grad",
    variant: str | None = None,
) -> str:
    """The source text of one stage of the pipeline: of every function generated, or of one ``variant``:
    ``"general"`` (the gradient and the vjp functions of its callees) or ``"floats"`` (the gradient's twin for
    calls with Python floats only, written when every value of the function is a scalar; at the stages before
    the adjoint it is the gradient's own function)."""
    check_choice("stage", stage, STAGES)
    if variant is not None:
        check_choice("variant", variant, VARIANTS)
    from .. import compiler  # ``compiler.derive`` as it is now, as for ``compiled``

    derivative = compiler.derive(function, wrt, with_value=with_value, mode=mode)
    if variant is None or variant == "general" and not derivative.variants:
        return derivative.stages[stage]
    if variant not in derivative.variants:
        name = getattr(function, "__qualname__", function)
        raise ChoiceError(
            f"the code generated for {name} has no {variant!r} variant: srcdiff writes a twin for Python "
            "floats only for a gradient (reverse mode, no has_aux) of a function whose values are all scalars",
            hint="ask for variant='general' (the default)",
        )
    return derivative.variants[variant][stage]
