"""The pipeline: source -> syntax tree -> fence -> normal form -> activity -> reverse mode -> optimise -> text.

Every stage can be printed (``srcdiff.source(f, stage=...)``), so the transformation can be watched step by step.
"""

from __future__ import annotations

import ast
import builtins
import copy
import sys
from dataclasses import dataclass, field

from . import cache, codegen, fence
from .context import Context, LocalFunction, Module
from .errors import SrcdiffError, UnsupportedSyntaxError, WrtError
from .parsing import MISSING, ParsedFunction, parse_function
from .analysis.activity import analyse, describe
from .analysis.defuse import local_names, parameters
from .passes.forward import ForwardMode

from .passes.normalize import normalize
from .passes.optimize import optimize
from .passes.reverse import ReverseMode, scalar_closed
from .rules.templates import bind_arguments
from .vocabulary import COMMENT

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
    guards: list = field(
        default_factory=list
    )  # (namespace, name, object) the code was generated for
    floats_entry: str | None = None  # a variant of the entry for calls with Python floats only
    # every guard the code relies on (see cache.py), those on the differentiated function relative to it
    assumptions: list = field(default_factory=list)


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
    _refuse_calls_of_variables(parsed)
    wrt_names = resolve_wrt(parameters(parsed.node), wrt, parsed.name)
    if mode == "jvp":
        return _derive_forward(parsed, wrt_names)
    if mode == "hvp":
        return _derive_hvp(parsed, wrt_names, tangent_wrt or wrt_names)
    module = Module(parsed.globals)
    module.root = parsed
    context = Context(parsed, module)
    name = f"vjp_{parsed.name}" if mode == "vjp" else entry_name(parsed.name, wrt_names, with_value)

    def build(reverse, returned, aux):
        if mode == "vjp":
            return reverse.build_vjp(name, returned, list(wrt_names), aux)
        return reverse.build(name, returned, with_value, aux)

    stages = {stage: [] for stage in STAGES}
    # the caller of a gradient checks that its inputs are floats or arrays
    functions = [
        _transform(
            context,
            stages,
            build,
            list(wrt_names),
            has_aux=has_aux,
            checked=wrt_names if mode == "grad" else (),
        )
    ]
    contexts = [context]
    floats_entry = None
    if context.scalar_closed and mode == "grad" and not has_aux:
        # the same gradient for calls with Python floats only: no shapes to undo, no output to check
        floats_entry = f"{name}_floats"
        floats_parsed = parse_function(function)
        floats_context = Context(floats_parsed, module)
        functions.append(
            _transform(
                floats_context,
                stages,
                lambda reverse, returned, aux: reverse.build(floats_entry, returned, with_value),
                list(wrt_names),
                scalar=True,
            )
        )
        contexts.append(floats_context)
    while module.pending:
        callee = module.pending.pop(0)
        callee_context = _callee_context(callee, module)
        vjp_name = module.derivatives[callee]
        functions.append(
            _transform(
                callee_context,
                stages,
                lambda reverse, returned, aux: reverse.build_vjp(vjp_name, returned),
                None,
            )
        )
        contexts.append(callee_context)
    return _assemble(parsed, module, functions, contexts, stages, name, floats_entry)


def _assemble(parsed, module, functions, contexts, stages, name, floats_entry=None) -> Derivative:
    """The Derivative of a generated module: its text, and the names and objects it needs."""
    free_globals = {}
    for function_node, function_context in zip(functions, contexts):
        free_globals.update(_free_globals(function_node, function_context.parsed, function_context))
    _check_names(parsed, module, functions, contexts, (name, floats_entry))
    assumptions = cache.root_guards(parsed.function, ("__code__",)) + cache.relative(
        list(module.guards) + list(module.assumptions), parsed.function
    )
    return Derivative(
        source="\n\n".join(codegen.to_source(f) for f in functions),
        entry=name,
        free_globals=free_globals,
        runtime_names=set().union(*(_runtime_names(f, c) for f, c in zip(functions, contexts))),
        injected=dict(module.injected),
        free_vars=tuple(parsed.function.__code__.co_freevars),
        stages={stage: "\n\n".join(texts) for stage, texts in stages.items()},
        filename=_pseudo_filename(parsed, name),
        guards=list(module.guards),
        floats_entry=floats_entry,
        assumptions=assumptions,
    )


def _bound_names(function: ast.FunctionDef) -> set:
    """The names a generated function (and the functions nested in it) binds itself."""
    bound = set()
    for node in ast.walk(function):
        if isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            bound.add(node.name)
    return bound


def _check_names(parsed, module, functions, contexts, root_entries) -> None:
    """Every name a generated function reads must be found where it runs: its own locals, the names injected
    into the generated module, the other generated functions, builtins, and, for the functions bound to the
    user's function (its gradient), the user's closure and module globals. Otherwise a located error now,
    rather than a NameError when the derivative is called."""
    shared = set(module.injected) | {f.name for f in functions}
    user_closure = set(parsed.function.__code__.co_freevars)
    for function, context in zip(functions, contexts):
        bound = _bound_names(function) | shared
        for node in ast.walk(function):
            if (
                not isinstance(node, ast.Name)
                or not isinstance(node.ctx, ast.Load)
                or node.id in bound
            ):
                continue
            if node.id == COMMENT:  # a comment, written out as one (codegen.py)
                continue
            if function.name in root_entries and (
                node.id in user_closure or node.id in parsed.globals
            ):
                continue
            if hasattr(builtins, node.id):
                continue
            where = context.parsed
            located = node if getattr(node, "lineno", None) else None
            raise where.error(
                UnsupportedSyntaxError,
                f"the derivative of {where.name} would read the name {node.id}, which is not defined where "
                "that code runs",
                located,
                hint=f"define {node.id} (at module level, before the derivative is called), or pass it to "
                f"{where.name} as an argument",
            )


def _derive_hvp(parsed: ParsedFunction, wrt: tuple, tangent_wrt: tuple) -> Derivative:
    """``hvp_f(*args, *tangents) -> (gradient, its tangent)``: forward mode over the generated gradient."""
    module = Module(parsed.globals)
    module.root = parsed
    context = Context(parsed, module)
    stages = {stage: [] for stage in STAGES}
    gradient_name = entry_name(parsed.name, wrt, False)
    gradient = _transform(
        context,
        stages,
        lambda reverse, returned, aux: reverse.build(gradient_name, returned, False),
        list(wrt),
        inline=True,
        checked=wrt,
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
    functions = [_forward_function(gradient_context, stages, name, list(tangent_wrt))]
    contexts = [gradient_context]
    while module.pending:  # functions the gradient calls: the rules it calls rather than pastes
        callee = module.pending.pop(0)
        contexts.append(_callee_context(callee, module))
        functions.append(
            _forward_function(
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
        functions.append(_forward_function(context, stages, function_name, varied))
        contexts.append(context)
        while module.pending:
            callee = module.pending.pop(0)
            callee_context = _callee_context(callee, module)
            pending.append(
                (callee_context, module.derivatives[callee], parameters(callee_context.parsed.node))
            )
    return _assemble(parsed, module, functions, contexts, stages, name)


def _forward_function(context: Context, stages: dict, name: str, varied: list) -> ast.FunctionDef:
    """Run the passes of forward mode on one function: its jvp function, tangents for ``varied``."""
    normal = normalize(context)
    stages["normalized"].append(codegen.to_source(normal))
    returned = _returned_name(normal, context)
    activity = analyse(normal, varied, returned, context)
    built = ForwardMode(context, normal, varied, activity).build(name, returned, varied)
    stages["adjoint"].append(codegen.to_source(built))
    final = optimize(
        built, keep=set(), resolve=context.resolve, primal=frozenset(local_names(normal))
    )
    stages["optimized"].append(codegen.to_source(final))
    return final


def _transform(
    context: Context,
    stages: dict,
    build,
    wrt,
    scalar: bool = False,
    has_aux: bool = False,
    inline: bool = False,
    checked: tuple = (),
) -> ast.FunctionDef:
    """Run the passes on one function; ``build`` makes the gradient or vjp function from the reverse pass.
    With ``inline``, calls of the user's functions are replaced by their bodies first."""
    parsed = context.parsed
    normal = normalize(context)
    if inline:
        normal.body = _inline_calls(normal.body, context, (parsed.function,))
    if not scalar:
        stages["parsed"].append(parsed.source + "\n")
        stages["normalized"].append(codegen.to_source(normal))
    returned = _returned_name(normal, context)
    aux = None
    if has_aux:
        returned, aux = _split_aux(normal, returned, context)
    wrt = wrt if wrt is not None else parameters(parsed.node)
    activity = analyse(normal, wrt, returned, context)
    context.scalar_closed = scalar_closed(normal, activity, context)
    reverse = ReverseMode(context, normal, wrt, activity, scalar=scalar, checked=checked)
    adjoint = build(reverse, returned, aux)
    stages["adjoint"].append(codegen.to_source(adjoint))
    final = optimize(
        adjoint, keep={reverse.tape}, resolve=context.resolve, primal=frozenset(local_names(normal))
    )
    stages["optimized"].append(codegen.to_source(final))
    return final


def _inline_calls(body: list, context: Context, calling: tuple) -> list:
    """``y = helper(a, b)`` in normal form becomes helper's own normal form, its names made unique, its
    parameters bound to ``a`` and ``b`` and its result assigned to ``y`` (second derivatives work on one
    function). Recursion cannot be inlined: a located error."""
    out = []
    for statement in body:
        if isinstance(statement, (ast.If, ast.For, ast.While)):
            statement.body = _inline_calls(statement.body, context, calling)
            statement.orelse = _inline_calls(statement.orelse, context, calling)
            out.append(statement)
            continue
        operation = (
            describe(statement.value, context) if isinstance(statement, ast.Assign) else None
        )
        if operation is None or operation.kind != "call":
            out.append(statement)
            continue
        callee = operation.callee
        if callee in calling:
            raise context.parsed.error(
                UnsupportedSyntaxError,
                f"srcdiff does not take second derivatives through the recursive function {callee.__name__}",
                statement,
                hint="write the recursion as a loop",
            )
        callee_context = _callee_context(callee, context.module)
        callee_normal = normalize(callee_context)
        returned = _returned_name(callee_normal, callee_context)
        inner = _inline_calls(callee_normal.body[:-1], callee_context, calling + (callee,))
        renames = {
            name: context.namer.unique(f"{callee.__name__.strip('<>')}_{name}")
            for name in sorted(local_names(callee_normal))
        }
        arguments = bind_arguments(callee, operation.args, operation.keywords, context)
        bound = [
            ast.Assign(targets=[ast.Name(id=renames[name], ctx=ast.Store())], value=value)
            for name, value, _ in arguments
        ]
        result = ast.Assign(
            targets=[statement.targets[0]], value=ast.Name(id=renames[returned], ctx=ast.Load())
        )
        for new in bound + [_rename_all(s, renames) for s in inner] + [result]:
            for node in ast.walk(new):  # comments name the caller's line
                if hasattr(node, "lineno"):
                    node.lineno = node.end_lineno = statement.lineno
            out.append(new)
    return out


def _rename_all(statement: ast.AST, renames: dict) -> ast.AST:
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and node.id in renames:
            node.id = renames[node.id]
    return statement


def _callee_context(callee, module: Module) -> Context:
    """A context for a function the differentiated code calls, with its free names made reachable."""
    if isinstance(
        callee, LocalFunction
    ):  # lifted from the function that calls it: same globals and closure
        recorder, callee.parsed.recorder = callee.parsed.recorder, None
        try:
            parsed = copy.deepcopy(callee.parsed)
        finally:
            callee.parsed.recorder = recorder
        context = Context(parsed, module)
        context.local_functions.update(callee.siblings)
        _localize_free_names(context)
        return context
    try:
        parsed = parse_function(callee)
        fence.check(parsed)
        _refuse_calls_of_variables(parsed)
    except SrcdiffError as error:
        error.args = (str(error) + f"\n(while differentiating a call to {callee.__qualname__})",)
        raise
    module.assumptions.extend(cache.function_guards(callee))  # its code and the defaults folded in
    context = Context(parsed, module)
    _localize_free_names(context)
    return context


def _refuse_calls_of_variables(parsed: ParsedFunction) -> None:
    """A call of a parameter or of an assigned variable (not a local def or lambda) calls whatever the variable
    holds when the function runs, which is unknown when the derivative is generated: a located error, never the
    derivative of a global function of the same name."""
    from .passes.lift import local_functions

    defined = set(local_functions(parsed.node.body))
    for node in ast.walk(parsed.node):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in parsed.locals
            and node.func.id not in defined
        ):
            name = node.func.id
            what = "a parameter" if name in parameters(parsed.node) else "a variable"
            raise parsed.error(
                UnsupportedSyntaxError,
                f"srcdiff cannot differentiate a call of {name}, {what} of {parsed.name}: which function it holds "
                "is known only when the function runs",
                node,
                hint=f"call a function by its own name, or make {parsed.name} a closure over the function "
                "(def make(fn): def objective(x): return fn(x); return objective): each closure gets its own "
                "derivative",
            )


def _localize_free_names(context: Context) -> None:
    """Names a callee reads from its own closure or module become injected names of the generated module.

    The generated vjp functions of callees do not run in the callee's module, so every global or closure
    variable a callee reads is looked up now (in the callee's own namespaces, where the callee would find it)
    and passed in; the lookup is a guard (see cache.py), so the derivative is compiled again when the name is
    bound to another object. An injected name never shadows a name the differentiated function itself reads.
    """
    parsed = context.parsed
    parsed.exact = True  # the values looked up are passed in: each is guarded as itself
    local = parsed.locals
    root = context.module.root
    root_names = set() if root is None or root is parsed else _names_read(root.node)
    renames = {}
    for node in ast.walk(parsed.node):
        if (
            not isinstance(node, ast.Name)
            or node.id in local
            or node.id in renames
            or node.id in context.local_functions
            or node.id in context.injected
            and context.injected[node.id] is parsed.resolve(node)
        ):
            continue
        value = parsed.resolve(node)
        if value is MISSING or getattr(builtins, node.id, MISSING) is value:
            continue  # not defined (the name check reports it if generated code reads it) or a builtin
        preferred = node.id
        if preferred in root_names and root.resolve(ast.Name(id=preferred)) is not value:
            preferred = "_" + preferred.lstrip("_")
        renames[node.id] = context.inject(value, preferred)
    renames = {old: new for old, new in renames.items() if old != new}
    if renames:
        for node in ast.walk(parsed.node):
            if isinstance(node, ast.Name) and node.id in renames:
                node.id = renames[node.id]
        parsed.closure = {renames.get(k, k): v for k, v in parsed.closure.items()}


def _names_read(node: ast.AST) -> set:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _returned_name(normal: ast.FunctionDef, context: Context) -> str:
    final = normal.body[-1]
    if isinstance(final.value, ast.Name):
        return final.value.id
    if isinstance(final.value, ast.Constant) and final.value.value is None:
        raise context.parsed.error(
            UnsupportedSyntaxError,
            f"{context.parsed.name} returns None: srcdiff differentiates the value a "
            "function returns",
            final,
            hint="return the value to differentiate",
        )
    name = context.namer.fresh()
    normal.body.insert(
        -1,
        ast.copy_location(
            ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=final.value), final
        ),
    )
    final.value = ast.Name(id=name, ctx=ast.Load())
    return name


def _split_aux(normal: ast.FunctionDef, returned: str, context: Context) -> tuple:
    """For has_aux: the function returns (value, aux); differentiate the value, pass aux through."""
    final = normal.body.pop()
    packed = [
        s
        for s in normal.body
        if isinstance(s, ast.Assign) and s.targets[0].id == returned
        if isinstance(s.targets[0], ast.Name)
    ]
    if (
        len(packed) == 1
        and isinstance(packed[0].value, ast.Tuple)
        and len(packed[0].value.elts) == 2
        and all(isinstance(e, ast.Name) for e in packed[0].value.elts)
    ):
        # return value, aux: differentiate the value itself, so that nothing of aux needs a gradient
        value, aux = (e.id for e in packed[0].value.elts)
        final.value = ast.Name(id=value, ctx=ast.Load())
        normal.body.append(final)
        return value, aux
    pair = ast.Name(id=returned, ctx=ast.Load())
    check = ast.Expr(
        value=ast.Call(
            func=ast.Attribute(
                value=ast.Name(id=context.runtime, ctx=ast.Load()), attr="check_aux", ctx=ast.Load()
            ),
            args=[pair],
            keywords=[],
        )
    )
    value, aux = context.namer.fresh("_value"), context.namer.fresh("_aux")
    statements = [check] + [
        ast.Assign(
            targets=[ast.Name(id=name, ctx=ast.Store())],
            value=ast.Subscript(
                value=ast.Name(id=returned, ctx=ast.Load()),
                slice=ast.Constant(index),
                ctx=ast.Load(),
            ),
        )
        for index, name in enumerate((value, aux))
    ]
    for statement in statements:
        ast.copy_location(statement, final)
    normal.body.extend(statements)
    final.value = ast.Name(id=value, ctx=ast.Load())
    normal.body.append(final)
    ast.fix_missing_locations(normal)
    return value, aux


def _pseudo_filename(parsed: ParsedFunction, name: str) -> str:
    return f"<srcdiff: {name}, generated from {parsed.filename}:{parsed.node.lineno}>"


def _free_globals(function: ast.FunctionDef, parsed: ParsedFunction, context: Context) -> dict:
    """The user's names the generated code reads at run time (not looked up when compiling: no guards)."""
    bound = set(parameters(function)) | set(context.injected)
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, ast.comprehension):
            bound |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
    free = {}
    recorder, parsed.recorder = parsed.recorder, None
    try:
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Name)
                and isinstance(node.ctx, ast.Load)
                and node.id not in bound
            ):
                value = parsed.resolve(node)
                if value is MISSING:
                    continue
                if getattr(builtins, node.id, MISSING) is value:
                    continue
                free[node.id] = value
    finally:
        parsed.recorder = recorder
    return free


def _runtime_names(function: ast.FunctionDef, context: Context) -> set:
    return {
        node.attr
        for node in ast.walk(function)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == context.runtime
    }


def stage_source(
    function, wrt=0, stage: str = "optimized", *, with_value: bool = False, mode: str = "grad"
) -> str:
    """The source text of one stage of the pipeline."""
    if stage not in STAGES:
        raise UnsupportedSyntaxError(f"unknown stage {stage!r}; the stages are {', '.join(STAGES)}")
    return derive(function, wrt, with_value=with_value, mode=mode).stages[stage]
