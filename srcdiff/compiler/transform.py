"""The passes run over one function: normal form, activity analysis, reverse (or forward) mode, optimisation,
each stage's text recorded; and, for second derivatives, calls of the user's functions inlined first.
"""

from __future__ import annotations

import ast

from .. import codegen
from ..analysis.activity import analyse, describe
from ..analysis.defuse import local_names, parameters
from ..context import Context
from ..errors import UnsupportedSyntaxError
from ..passes.forward import ForwardMode
from ..passes.normalize import normalize
from ..passes.optimize import optimize
from ..passes.reverse import ReverseMode, scalar_closed
from ..rules.templates import bind_arguments
from .callees import context_for_callee


def forward_function(context: Context, stages: dict, name: str, varied: list) -> ast.FunctionDef:
    """Run the passes of forward mode on one function: its jvp function, tangents for ``varied``."""
    normal = normalize(context)
    stages["normalized"].append(codegen.to_source(normal))
    returned = returned_name(normal, context)
    activity = analyse(normal, varied, returned, context)
    built = ForwardMode(context, normal, varied, activity).build(name, returned, varied)
    stages["adjoint"].append(codegen.to_source(built))
    final = optimize(
        built, keep=set(), resolve=context.resolve, primal=frozenset(local_names(normal))
    )
    stages["optimized"].append(codegen.to_source(final))
    return final


def reverse_function(
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
        normal.body = inline_calls(normal.body, context, (parsed.function,))
    stages["parsed"].append(parsed.source + "\n")
    stages["normalized"].append(codegen.to_source(normal))
    returned = returned_name(normal, context)
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
        adjoint,
        keep={reverse.tape},
        resolve=context.resolve,
        primal=frozenset(local_names(normal)),
        namer=context.namer,
    )
    stages["optimized"].append(codegen.to_source(final))
    return final


def returned_name(normal: ast.FunctionDef, context: Context) -> str:
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


def inline_calls(body: list, context: Context, calling: tuple) -> list:
    """``y = helper(a, b)`` in normal form becomes helper's own normal form, its names made unique, its
    parameters bound to ``a`` and ``b`` and its result assigned to ``y`` (second derivatives work on one
    function). Recursion cannot be inlined: a located error."""
    out = []
    for statement in body:
        if isinstance(statement, (ast.If, ast.For, ast.While)):
            statement.body = inline_calls(statement.body, context, calling)
            statement.orelse = inline_calls(statement.orelse, context, calling)
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
        callee_context = context_for_callee(callee, context.module)
        callee_normal = normalize(callee_context)
        returned = returned_name(callee_normal, callee_context)
        inner = inline_calls(callee_normal.body[:-1], callee_context, calling + (callee,))
        renames = {
            name: context.namer.unique(
                f"{callee.__name__.strip('<>')}_{name}",
                temporary=callee_context.namer.is_temporary(name),
            )
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
