"""The subset of Python srcdiff differentiates, and located, actionable errors for everything else."""

from __future__ import annotations

import ast

from .errors import UnsupportedSyntaxError
from .parsing import ParsedFunction

# construct -> (what it is called, what to do instead)
_REJECTED = {
    ast.Try: ("try/except", "move the error handling outside the differentiated function"),
    ast.With: ("a with statement", "open resources outside the differentiated function"),
    ast.AsyncWith: ("async with", "differentiate a plain synchronous function"),
    ast.AsyncFor: ("async for", "differentiate a plain synchronous function"),
    ast.Await: ("await", "differentiate a plain synchronous function"),
    ast.Yield: ("a generator (yield)", "return a value instead of yielding it"),
    ast.YieldFrom: ("a generator (yield from)", "return a value instead of yielding it"),
    ast.Global: ("a global statement", "pass the value in as an argument and return the new value"),
    ast.Nonlocal: (
        "a nonlocal statement",
        "pass the value in as an argument and return the new value",
    ),
    ast.ClassDef: ("a class definition", "define the class outside the differentiated function"),
    ast.Delete: ("del", "let the variable go out of scope instead"),
    ast.Import: ("an import inside the function", "import at module level"),
    ast.ImportFrom: ("an import inside the function", "import at module level"),
    ast.NamedExpr: ("an assignment expression (:=)", "assign on a line of its own"),
    ast.SetComp: ("a set comprehension", "use a list comprehension"),
    ast.Lambda: (
        "a lambda inside an expression",
        "assign it to a name on a line of its own (f = lambda ...)",
    ),
    ast.FunctionDef: ("a function defined inside a block", "define it at the top of the function"),
    ast.Match: ("a match statement", "use if/elif/else"),
    ast.Set: ("a set", "use a list or a tuple"),
}
if hasattr(ast, "TryStar"):
    _REJECTED[ast.TryStar] = _REJECTED[ast.Try]


def check(parsed: ParsedFunction) -> None:
    """Raise UnsupportedSyntaxError at the first construct outside the supported subset."""
    function = parsed.node
    _check_arguments(parsed)
    local = _local_function_nodes(function.body)
    for statement in function.body:
        for node in ast.walk(statement):
            if node in local:
                if isinstance(node, ast.FunctionDef) and node.decorator_list:
                    raise parsed.error(
                        UnsupportedSyntaxError,
                        f"srcdiff cannot differentiate the decorated local function {node.name}",
                        node,
                        hint="define it at module level",
                    )
                continue
            rejected = _REJECTED.get(type(node))
            if rejected is not None:
                what, remedy = rejected
                raise parsed.error(
                    UnsupportedSyntaxError,
                    f"srcdiff cannot differentiate {what} (in {function.name})",
                    node,
                    hint=f"to differentiate this function, {remedy}",
                )
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    _check_target(parsed, target)
            if isinstance(node, ast.Starred):
                raise parsed.error(
                    UnsupportedSyntaxError,
                    f"srcdiff cannot differentiate starred arguments or targets (in {function.name})",
                    node,
                    hint="pass the arguments one by one",
                )
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg is None:
                        raise parsed.error(
                            UnsupportedSyntaxError,
                            f"srcdiff cannot differentiate **kwargs in a call (in {function.name})",
                            node,
                            hint="pass the keyword arguments one by one",
                        )
    _check_returns(parsed)


def _local_function_nodes(body: list) -> set:
    """The local functions srcdiff lifts: ``def`` and ``name = lambda ...`` at the top of the function."""
    nodes = set()
    for statement in body:
        if isinstance(statement, ast.FunctionDef):
            nodes.add(statement)
        elif (
            isinstance(statement, ast.Assign)
            and isinstance(statement.value, ast.Lambda)
            and all(isinstance(t, ast.Name) for t in statement.targets)
        ):
            nodes.add(statement.value)
    return nodes


def _check_arguments(parsed: ParsedFunction) -> None:
    args = parsed.node.args
    for special, what in ((args.vararg, "*args"), (args.kwarg, "**kwargs")):
        if special is not None:
            raise parsed.error(
                UnsupportedSyntaxError,
                f"srcdiff cannot differentiate a function with {what} ({parsed.name})",
                special,
                hint="name every parameter",
            )


def _check_target(parsed: ParsedFunction, target: ast.AST) -> None:
    if isinstance(target, ast.Name):
        return
    if isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            _check_target(parsed, element)
        return
    if isinstance(target, ast.Attribute):
        raise parsed.error(
            UnsupportedSyntaxError,
            f"srcdiff cannot differentiate an assignment to an attribute (in {parsed.name})",
            target,
            hint="assign to a local variable and return it",
        )
    if isinstance(target, ast.Subscript):
        if isinstance(target.value, ast.Name):
            return
        raise parsed.error(
            UnsupportedSyntaxError,
            f"srcdiff differentiates in-place updates of a named array only, like y[i, j] = v (in {parsed.name})",
            target,
            hint="index with one subscript (y[i, j] rather than y[i][j]), or name the inner array first",
        )
    raise parsed.error(
        UnsupportedSyntaxError, f"unsupported assignment target in {parsed.name}", target
    )


def _check_returns(parsed: ParsedFunction) -> None:
    """The function must return a value (from anywhere: early returns are fine)."""
    returns = [n for s in parsed.node.body for n in ast.walk(s) if isinstance(n, ast.Return)]
    body = parsed.node.body
    if not returns:
        raise parsed.error(
            UnsupportedSyntaxError,
            f"{parsed.name} has no return statement: srcdiff differentiates the value a function returns",
            body[-1] if body else parsed.node,
            hint="add `return <value>` for the value to differentiate",
        )
    for node in returns:
        if node.value is None:
            raise parsed.error(
                UnsupportedSyntaxError,
                f"{parsed.name} returns nothing here: srcdiff differentiates the value a function returns",
                node,
                hint="return the value to differentiate on every path",
            )
