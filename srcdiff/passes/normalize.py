"""Normal form: every assignment applies one operation to names and constants.

Before::

    y = np.sin(x) * 2 + x.sum()

After::

    _t1 = np.sin(x)
    _t2 = _t1 * 2
    _t3 = np.sum(x)
    y = _t2 + _t3

Also: augmented assignments become plain ones, array methods become numpy calls (``x.T`` is
``np.transpose(x)``), tuple assignments are split, conditional expressions become ``if`` statements, every
``for`` loop runs over a ``range`` held in a variable, and straight-line reassignments get fresh names
(``x = x * 2`` becomes ``x_1 = x * 2``), so that only values overwritten inside branches and loops need saving.
Conditions (of ``if`` and ``while``) stay whole: they carry no gradient.
"""

from __future__ import annotations

import ast
import builtins
import copy
import types

from .. import runtime
from ..context import Context
from ..errors import UnsupportedSyntaxError
from ..analysis import aliasing
from ..analysis.defuse import parameters
from ..analysis.normal_form import index_value, is_atom, is_condition, is_loop_exit
from ..vocabulary import is_comment, is_pop
from ..vocabulary import load as _load
from ..vocabulary import store as _store

# ndarray method -> numpy function taking the array first
_ARRAY_METHODS = {
    "sum": "sum",
    "mean": "mean",
    "prod": "prod",
    "max": "max",
    "min": "min",
    "var": "var",
    "std": "std",
    "cumsum": "cumsum",
    "dot": "dot",
    "ravel": "ravel",
    "flatten": "ravel",
    "squeeze": "squeeze",
    "clip": "clip",
    "copy": "copy",
    "astype": "asarray",
    "reshape": "reshape",
    "transpose": "transpose",
}


class Normalizer:
    """Rewrites a function body into normal form."""

    def __init__(self, context: Context):
        self.context = context
        self.parsed = context.parsed
        self.namer = context.namer
        node = self.parsed.node
        self.params = parameters(node)
        self.local_names = set(self.params)
        for child in ast.walk(node):
            if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                self.local_names.add(child.id)
        self._origin = node
        self._views = (
            {}
        )  # local name -> an assignment that may have made it a view of another array
        for child in ast.walk(node):
            if (
                isinstance(child, ast.Assign)
                and len(child.targets) == 1
                and isinstance(child.targets[0], ast.Name)
                and _may_be_view(child.value)
            ):
                self._views.setdefault(child.targets[0].id, child)
        # arrays written item by item: slices read from them are copied, so that later writes do not
        # change values the backward sweep reads; other views of them are refused
        self._written = {
            t.value.id
            for t in ast.walk(node)
            if isinstance(t, ast.Subscript)
            and isinstance(t.ctx, ast.Store)
            and isinstance(t.value, ast.Name)
        }
        self._written |= {
            t.target.value.id
            for t in ast.walk(node)
            if isinstance(t, ast.AugAssign)
            and isinstance(t.target, ast.Subscript)
            and isinstance(t.target.value, ast.Name)
        }
        for name, assignment in self._views.items():
            source = _view_source(assignment.value)
            if source in self._written and not isinstance(assignment.value, ast.Subscript):
                raise self.parsed.error(
                    UnsupportedSyntaxError,
                    f"{name} may share memory with {source}, which is updated in place: srcdiff would not "
                    f"see the update of {name}",
                    assignment,
                    hint=f"make {name} a copy: {name} = {ast.unparse(assignment.value)}.copy()",
                )

        findings = aliasing.analyse(node)
        for statement, name, other, origin in findings.refused:
            raise self.parsed.error(
                UnsupportedSyntaxError,
                f"{name} is updated in place here, but {other} shares its memory{_bound_at(origin)} and is read "
                f"afterwards: srcdiff would not see {other} change",
                statement,
                hint=f"make {other} a copy where it is assigned (.copy()), or update a copy of {name}",
            )
        self._shared = findings.checked

    def _check_shared(self, node) -> ast.Expr:
        """``_rt.check_unshared(...)`` before an update another name may see (see passes/aliasing.py)."""
        views, other, origin, augmented = self._shared[id(node)]
        if augmented:
            name, operator = node.target.id, _OPERATORS.get(type(node.op), "?")
            message = (
                f"{name} {operator}= ... updates the array {name} in place, but {other} shares its "
                f"memory{_bound_at(origin)} and is read afterwards: srcdiff would not see {other} change; "
                f"write {name} = {name} {operator} ... to make a new array, or make {other} a copy"
            )
        else:
            target = (
                node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
            )
            name = target.value.id if isinstance(target, ast.Subscript) else "the list"
            message = (
                f"{name} is updated in place, but {other}{_bound_at(origin)} is a view of it and is read "
                f"afterwards: srcdiff would not see {other} change; make {other} a copy (.copy())"
            )
        updated = _load(name) if augmented else ast.Constant(None)
        viewed = (
            ast.Tuple(elts=[_load(v) for v in views], ctx=ast.Load())
            if views is not None
            else ast.Constant(None)
        )
        arguments = [
            updated,
            viewed,
            ast.Constant(message),
            ast.Constant(self.parsed.filename),
            ast.Constant(node.lineno),
        ]
        return ast.copy_location(
            ast.Expr(value=self._runtime_call("check_unshared", arguments)), node
        )

    # ---- statements --------------------------------------------------------------------------------------

    def function(self) -> ast.FunctionDef:
        node = self.parsed.node
        body = self.block(self._single_exit(node.body))
        body = rename_straight_line(body, self.params, self.namer)
        result = ast.FunctionDef(
            name=node.name,
            args=copy.deepcopy(node.args),
            body=body,
            decorator_list=[],
            returns=None,
            type_params=[],
        )
        return ast.fix_missing_locations(ast.copy_location(result, node))

    def _single_exit(self, body: list) -> list:
        """A body whose only return is its last statement.

        An early ``return v`` becomes ``_result = v; _returned = True``; the statements after it are guarded
        by ``if not _returned:`` and loops it is in end their iteration with ``if _returned: break``.
        """
        returns = [n for n in _walk_statements(body) if isinstance(n, ast.Return)]
        if len(returns) == 1 and body[-1] is returns[0]:
            return body
        result = self.namer.fresh("_result")
        flag = self.namer.fresh("_returned")
        start = [
            ast.copy_location(
                ast.Assign(targets=[_store(result)], value=ast.Constant(None)), body[0]
            ),
            ast.copy_location(
                ast.Assign(targets=[_store(flag)], value=ast.Constant(False)), body[0]
            ),
        ]
        lowered, _ = _lower_returns(body, result, flag)
        end = ast.copy_location(ast.Return(value=_load(result)), returns[-1])
        return start + lowered + [end]

    def block(self, statements) -> list:
        out = []
        for statement in statements:
            self._origin = statement
            out.extend(self.statement(statement))
        return out

    def statement(self, node) -> list:
        out: list = []
        if id(node) in self._shared:
            out.append(self._check_shared(node))
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Subscript) for t in node.targets):
            if len(node.targets) != 1:
                raise self.parsed.error(
                    UnsupportedSyntaxError, "assign to an item on a line of its own", node
                )
            self._set_item(node.targets[0], self.atom(node.value, out), out)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Subscript):
            current = ast.Subscript(
                value=node.target.value, slice=node.target.slice, ctx=ast.Load()
            )
            updated = self.atom(ast.BinOp(left=current, op=node.op, right=node.value), out)
            self._set_item(node.target, updated, out)
        elif isinstance(node, ast.Assign):
            if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                self._assign(node.targets[0].id, node.value, out)
            else:
                value = node.value
                if len(node.targets) > 1:
                    value = self.atom(node.value, out)
                for target in node.targets:
                    self._assign_target(target, value, out)
        elif isinstance(node, ast.AugAssign):
            name = node.target.id
            right = self.atom(node.value, out)
            self._emit(name, ast.BinOp(left=_load(name), op=node.op, right=right), out)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self._assign_target(node.target, node.value, out)
        elif isinstance(node, ast.Expr):
            self._expression_statement(node, out)
        elif isinstance(node, ast.If) and is_loop_exit(node):
            out.append(node)
        elif isinstance(node, ast.If):
            out.append(
                self._located(
                    ast.If(
                        test=self.condition(node.test, out),
                        body=self.block(node.body) or [ast.Pass()],
                        orelse=self.block(node.orelse),
                    )
                )
            )
        elif isinstance(node, ast.For):
            self._for(node, out)
        elif isinstance(node, ast.While):
            if node.orelse:
                raise self.parsed.error(
                    UnsupportedSyntaxError,
                    "srcdiff cannot differentiate while/else",
                    node,
                    hint="move the else block after the loop",
                )
            body = self._lower_jumps(node.body, out)
            out.append(
                self._located(
                    ast.While(
                        test=self.condition(node.test, []),
                        body=self.block(body) or [ast.Pass()],
                        orelse=[],
                    )
                )
            )
        elif isinstance(node, ast.Return):
            out.append(self._located(ast.Return(value=self.atom(node.value, out))))
        elif isinstance(node, (ast.Raise, ast.Assert)):
            out.append(node)
        elif isinstance(node, ast.Pass):
            pass
        elif isinstance(node, ast.FunctionDef):
            out.append(node)  # a lifted local function: kept for the forward sweep's own calls
        else:
            raise self.parsed.error(
                UnsupportedSyntaxError,
                f"srcdiff cannot differentiate a {type(node).__name__} statement",
                node,
            )
        return out

    def _located(self, node):
        return ast.copy_location(node, self._origin)

    def _emit(self, name: str, value: ast.expr, out: list) -> None:
        out.append(self._located(ast.Assign(targets=[_store(name)], value=value)))

    def _assign(self, name: str, value: ast.expr, out: list) -> None:
        if isinstance(value, ast.IfExp):
            self._if_expression(name, value, out)
            return
        self._emit(name, self.expression(value, out), out)

    def _assign_target(self, target, value, out) -> None:
        if isinstance(target, ast.Name):
            self._assign(target.id, value, out)
            return
        elements = target.elts
        if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(elements):
            # a, b = b, a: evaluate every right-hand side before assigning any target
            values = [self.atom(v, out) for v in value.elts]
            targets = {n.id for t in elements for n in ast.walk(t) if isinstance(n, ast.Name)}
            held = []
            for v in values:
                if isinstance(v, ast.Name) and v.id in targets:
                    temp = self.namer.fresh()
                    self._emit(temp, v, out)
                    v = _load(temp)
                held.append(v)
            for element, v in zip(elements, held):
                self._assign_target(element, v, out)
            return
        whole = self.atom(value, out)
        if not isinstance(whole, ast.Name):
            raise self.parsed.error(UnsupportedSyntaxError, "cannot unpack a constant", target)
        for index, element in enumerate(elements):
            item = ast.Subscript(value=_load(whole.id), slice=ast.Constant(index), ctx=ast.Load())
            if isinstance(element, ast.Name):
                self._emit(element.id, item, out)
            else:
                self._assign_target(element, item, out)

    def _if_expression(self, name: str, node: ast.IfExp, out: list) -> None:
        test = self.condition(node.test, out)
        body: list = []
        self._assign(name, node.body, body)
        orelse: list = []
        self._assign(name, node.orelse, orelse)
        out.append(self._located(ast.If(test=test, body=body, orelse=orelse)))

    def _expression_statement(self, node: ast.Expr, out: list) -> None:
        value = node.value
        if isinstance(value, ast.Constant):
            return  # a docstring or a bare constant
        if isinstance(value, ast.Call) and self.context.resolve(value.func) in (
            builtins.print,
            runtime.seed,
            runtime.check_aux,
            runtime.check_unshared,
        ):
            out.append(
                node
            )  # printing, or generated code checking its output: no value, no gradient
            return
        if is_comment(node):
            return  # a comment of generated code, differentiated again
        if self._is_list_pop(value):
            self._emit(
                self.namer.fresh("_popped"), self._runtime_call("pop", [value.func.value]), out
            )
            return
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr == "append"
            and isinstance(value.func.value, ast.Name)
            and value.func.value.id in self.local_names
            and len(value.args) == 1
            and not value.keywords
        ):
            name = value.func.value.id
            self._check_owned(name, node)
            item = self.atom(value.args[0], out)
            self._emit(name, self._runtime_call("append", [_load(name), item]), out)
            return
        if isinstance(value, ast.Call):
            why = self._updates_arguments(value)
            if why is None:  # a call for its effect (logging, plotting): it runs as in the original
                self._emit(self.namer.fresh("_unused"), self.expression(value, out), out)
                return
            raise self.parsed.error(
                UnsupportedSyntaxError,
                f"srcdiff cannot differentiate this call: {why}, which srcdiff cannot see",
                node,
                hint="compute a new value and assign it (y = f(y) instead of f(y) changing y)",
            )
        raise self.parsed.error(
            UnsupportedSyntaxError,
            "srcdiff cannot differentiate an expression whose value is unused",
            node,
            hint="assign the result to a variable",
        )

    def _updates_arguments(self, call: ast.Call) -> str | None:
        """Why ``call`` may change one of its arguments in place, or None when it cannot."""
        if any(k.arg == "out" for k in call.keywords):
            return "it writes into its out= argument"
        func = call.func
        callee = self.context.resolve(func)
        if (
            isinstance(func, ast.Attribute)
            and func.attr in aliasing.UPDATING_METHODS
            and not isinstance(callee, types.FunctionType)
        ):
            return f".{func.attr}() changes {ast.unparse(func.value)} in place"
        if getattr(callee, "__name__", None) in _UPDATING_FUNCTIONS:
            return f"{callee.__name__} changes its argument in place"
        if isinstance(callee, types.FunctionType):
            try:
                from ..parsing import parse_function

                definition = parse_function(callee).node
            except Exception:  # no source: it is not the user's code
                return None
            for name in parameters(definition):
                if aliasing.updates_in_place(definition, name):
                    return f"{callee.__name__} changes its argument {name} in place"
        return None

    def _set_item(self, target: ast.Subscript, value: ast.expr, out: list) -> None:
        """``y[i] = v``, written ``y = _rt.setitem(y, i, v)`` so that every pass sees a new value of ``y``."""
        if not isinstance(target.value, ast.Name) or target.value.id not in self.local_names:
            raise self.parsed.error(
                UnsupportedSyntaxError,
                "srcdiff differentiates in-place updates of local arrays and lists only",
                target,
                hint="make a local copy first: y = np.array(...) or y = x.copy()",
            )
        name = target.value.id
        self._check_owned(name, target)
        index = index_value(self.index(target.slice, out))
        self._emit(name, self._runtime_call("setitem", [_load(name), index, value]), out)

    def _runtime_call(self, function: str, args: list) -> ast.Call:
        func = ast.Attribute(value=_load(self.context.runtime), attr=function, ctx=ast.Load())
        return ast.Call(func=func, args=args, keywords=[])

    def _check_owned(self, name: str, node) -> None:
        """An array updated in place must not share memory with another value srcdiff tracks apart."""
        view = self._views.get(name)
        if view is not None:
            raise self.parsed.error(
                UnsupportedSyntaxError,
                f"{name} is updated in place, but it may share memory with another array: it was assigned "
                f"`{ast.unparse(view)}` on line {view.lineno}, which can be a view, and srcdiff would not see "
                "the update of the other one",
                node,
                hint=f"make {name} a copy before updating it: {name} = {ast.unparse(view.value)}.copy()",
            )

    def _for(self, node: ast.For, out: list) -> None:
        if node.orelse:
            raise self.parsed.error(
                UnsupportedSyntaxError,
                "srcdiff cannot differentiate for/else",
                node,
                hint="move the else block after the loop",
            )
        iterator = node.iter
        target = node.target
        prologue: list = (
            []
        )  # statements at the start of the body that bind the user's loop variables
        callee = self.context.resolve(iterator.func) if isinstance(iterator, ast.Call) else None
        if callee is builtins.range:
            index_name = target.id if isinstance(target, ast.Name) else None
            range_value = ast.Call(
                func=iterator.func, args=[self.atom(a, out) for a in iterator.args], keywords=[]
            )
            if index_name is None:
                raise self.parsed.error(UnsupportedSyntaxError, "cannot unpack a range", target)
        elif (
            callee is builtins.reversed and isinstance(target, ast.Name) and len(iterator.args) == 1
        ):
            # reversed(range(...)) as generated backward loops write it: the range read backwards
            index_name = target.id
            backwards = ast.Slice(lower=None, upper=None, step=ast.Constant(-1))
            range_value = ast.Subscript(
                value=self.atom(iterator.args[0], out), slice=backwards, ctx=ast.Load()
            )
        elif (
            callee is builtins.enumerate and isinstance(target, ast.Tuple) and len(target.elts) == 2
        ):
            arguments = list(iterator.args) + [
                k.value for k in iterator.keywords if k.arg == "start"
            ]
            if not 1 <= len(arguments) <= 2 or len(iterator.args) + len(iterator.keywords) != len(
                arguments
            ):
                raise self.parsed.error(
                    UnsupportedSyntaxError,
                    "srcdiff cannot read this call of enumerate",
                    iterator,
                    hint="write enumerate(sequence) or enumerate(sequence, start)",
                )
            index_target, item_target = target.elts
            if len(arguments) == 1 and isinstance(index_target, ast.Name):
                index_name = index_target.id
            else:
                index_name = self.namer.fresh("_i")
                first = self.atom(arguments[1], out) if len(arguments) == 2 else ast.Constant(0)
                counted = ast.BinOp(left=_load(index_name), op=ast.Add(), right=first)
                prologue.append(
                    ast.copy_location(
                        ast.Assign(targets=[index_target], value=counted), self._origin
                    )
                )
            sequences = self._bind_iterable(arguments[0], item_target, index_name, out, prologue)
            range_value = self._range_of_lengths(sequences)
        elif (
            isinstance(iterator, ast.Name)
            and isinstance(target, ast.Name)
            and self._is_range(iterator.id)
        ):
            index_name = target.id  # a name holding a range, as generated code writes its loops
            range_value = _load(iterator.id)
        else:
            index_name = self.namer.fresh("_i")
            sequences = self._bind_iterable(iterator, target, index_name, out, prologue)
            range_value = self._range_of_lengths(sequences)
        range_name = self.namer.fresh("_r")
        self._emit(range_name, range_value, out)
        saved_origin = self._origin
        body = self.block(prologue) + self.block(self._lower_jumps(node.body, out))
        self._origin = saved_origin
        out.append(
            self._located(
                ast.For(
                    target=_store(index_name),
                    iter=_load(range_name),
                    body=body or [ast.Pass()],
                    orelse=[],
                )
            )
        )

    def _lower_jumps(self, body: list, out: list) -> list:
        """A loop body whose ``break`` and ``continue`` set flags, with the statements after them guarded.

        The body ends with ``if flag: break`` for a break, so every iteration runs to the end of the body and
        the backward sweep sees exactly the statements that ran, through the recorded guards.
        """
        jumps = [n for n in _walk_loop_body(body) if isinstance(n, (ast.Break, ast.Continue))]
        if not jumps:
            return body
        flags = {}
        if any(isinstance(n, ast.Break) for n in jumps):
            flags[ast.Break] = self.namer.fresh("_break")
            self._emit(flags[ast.Break], ast.Constant(False), out)
        if any(isinstance(n, ast.Continue) for n in jumps):
            flags[ast.Continue] = self.namer.fresh("_continue")
        lowered, _ = _lower(body, flags, self._origin)
        prefix = []
        if ast.Continue in flags:
            prefix.append(
                ast.copy_location(
                    ast.Assign(targets=[_store(flags[ast.Continue])], value=ast.Constant(False)),
                    self._origin,
                )
            )
        suffix = []
        if ast.Break in flags:
            suffix.append(
                ast.copy_location(
                    ast.If(test=_load(flags[ast.Break]), body=[ast.Break()], orelse=[]), jumps[0]
                )
            )
        return prefix + lowered + suffix

    def _is_range(self, name: str) -> bool:
        """Whether every assignment of ``name`` in the function is a call of range."""
        values = [
            n.value
            for n in ast.walk(self.parsed.node)
            if isinstance(n, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)
        ]
        return (
            bool(values)
            and name not in self.params
            and all(
                isinstance(v, ast.Call) and self.context.resolve(v.func) is builtins.range
                for v in values
            )
        )

    def _bind_iterable(self, node, target, index_name: str, out: list, prologue: list) -> list:
        """Bind ``target`` to item ``index_name`` of the iterable ``node`` (a sequence or a zip of them).

        Returns the names of the sequences, whose shortest length is the trip count.
        """
        callee = self.context.resolve(node.func) if isinstance(node, ast.Call) else None
        if callee is builtins.zip:
            if (
                not (isinstance(target, ast.Tuple) and len(target.elts) == len(node.args))
                or node.keywords
            ):
                raise self.parsed.error(
                    UnsupportedSyntaxError,
                    "unpack zip(...) into as many names as it has sequences",
                    node,
                )
            sequences = []
            for element, argument in zip(target.elts, node.args):
                sequences += self._bind_iterable(argument, element, index_name, out, prologue)
            return sequences
        if callee in (
            builtins.enumerate,
            builtins.reversed,
            builtins.map,
            builtins.filter,
            builtins.iter,
        ):
            raise self.parsed.error(
                UnsupportedSyntaxError,
                f"srcdiff cannot differentiate a loop over {callee.__name__}(...) here",
                node,
                hint="loop over range(len(...)) and index the sequences",
            )
        sequence = self._sequence(node, out)
        self._bind_item(target, sequence, index_name, prologue)
        return [sequence]

    def _sequence(self, node, out) -> str:
        atom = self.atom(node, out)
        if isinstance(atom, ast.Name):
            return atom.id
        temp = self.namer.fresh()
        self._emit(temp, atom, out)
        return temp

    def _range_of_lengths(self, sequences) -> ast.Call:
        lengths = [ast.Call(func=_load("len"), args=[_load(s)], keywords=[]) for s in sequences]
        count = (
            lengths[0]
            if len(lengths) == 1
            else ast.Call(func=_load("min"), args=lengths, keywords=[])
        )
        return ast.Call(func=_load("range"), args=[count], keywords=[])

    def _bind_item(self, target, sequence: str, index_name: str, prologue: list) -> None:
        item = ast.Subscript(value=_load(sequence), slice=_load(index_name), ctx=ast.Load())
        prologue.append(ast.copy_location(ast.Assign(targets=[target], value=item), self._origin))

    # ---- expressions -------------------------------------------------------------------------------------

    def condition(self, node, out) -> ast.expr:
        """A truth value: kept whole (its operands carry no gradient)."""
        return node

    def atom(self, node, out) -> ast.expr:
        """A name or constant holding the value of ``node``, emitting the statements that compute it."""
        if is_atom(node):
            return node
        constant = self._constant(node)
        if constant is not None:
            return constant
        if isinstance(node, ast.IfExp):
            temp = self.namer.fresh()
            self._if_expression(temp, node, out)
            return _load(temp)
        value = self.expression(node, out)
        if is_atom(value):
            return value
        temp = self.namer.fresh()
        self._emit(temp, value, out)
        return _load(temp)

    def _constant(self, node):
        if (
            isinstance(node, ast.UnaryOp)
            and isinstance(node.op, (ast.USub, ast.UAdd))
            and isinstance(node.operand, ast.Constant)
            and isinstance(node.operand.value, (int, float))
        ):
            value = node.operand.value
            return ast.Constant(-value if isinstance(node.op, ast.USub) else value)
        if isinstance(node, ast.Attribute) and self._is_reference(node):
            return node  # a module constant such as np.pi or math.e
        return None

    def expression(self, node, out) -> ast.expr:
        """``node`` as one operation on atoms."""
        if is_atom(node) or is_condition(node) or isinstance(node, (ast.JoinedStr, ast.Constant)):
            return node
        constant = self._constant(node)
        if constant is not None:
            return constant
        if isinstance(node, ast.BinOp):
            return ast.BinOp(
                left=self.atom(node.left, out), op=node.op, right=self.atom(node.right, out)
            )
        if isinstance(node, ast.UnaryOp):
            return ast.UnaryOp(op=node.op, operand=self.atom(node.operand, out))
        if isinstance(node, ast.Call):
            return self._call(node, out)
        if isinstance(node, ast.Attribute):
            if node.attr == "T" and not self._is_reference(node.value):
                return self._numpy_call("transpose", [self.atom(node.value, out)], [])
            return ast.Attribute(value=self.atom(node.value, out), attr=node.attr, ctx=ast.Load())
        if isinstance(node, ast.Subscript):
            item = ast.Subscript(
                value=self.atom(node.value, out), slice=self.index(node.slice, out), ctx=ast.Load()
            )
            if isinstance(item.value, ast.Name) and item.value.id in self._written:
                return self._numpy_call("copy", [self._pack(item, out)], [])
            return item
        if isinstance(node, (ast.Tuple, ast.List)):
            return type(node)(elts=[self.atom(e, out) for e in node.elts], ctx=ast.Load())
        if isinstance(
            node, ast.Dict
        ):  # carries no gradient: fine for has_aux, an error if differentiated
            return ast.Dict(
                keys=[None if k is None else self.atom(k, out) for k in node.keys],
                values=[self.atom(v, out) for v in node.values],
            )
        if isinstance(node, ast.IfExp):
            return self.atom(node, out)
        raise self.parsed.error(
            UnsupportedSyntaxError,
            f"srcdiff cannot differentiate a {type(node).__name__} expression",
            node,
        )

    def index(self, node, out) -> ast.expr:
        if isinstance(node, ast.Slice):
            return ast.Slice(
                *(
                    None if part is None else self.atom(part, out)
                    for part in (node.lower, node.upper, node.step)
                )
            )
        if isinstance(node, ast.Tuple):
            return ast.Tuple(elts=[self.index(e, out) for e in node.elts], ctx=ast.Load())
        return self.atom(node, out)

    def _is_list_pop(self, value) -> bool:
        """``items.pop()`` on a local list (generated code restoring values from its tape)."""
        return (
            is_pop(value)
            and isinstance(value.func.value, ast.Name)
            and value.func.value.id in self.local_names
            and not value.args
            and not value.keywords
        )

    def _call(self, node: ast.Call, out) -> ast.expr:
        func = node.func
        if self._is_list_pop(node):
            return self._runtime_call("pop", [_load(func.value.id)])
        if (
            isinstance(func, ast.Attribute)
            and func.attr in _ARRAY_METHODS
            and not self._is_reference(func.value)
        ):
            return self._method_call(node, out)
        args = [self.atom(a, out) for a in node.args]
        keywords = [ast.keyword(arg=k.arg, value=self.atom(k.value, out)) for k in node.keywords]
        if not isinstance(func, (ast.Name, ast.Attribute)) or (
            isinstance(func, ast.Attribute) and not self._is_reference(func.value)
        ):
            func = (
                self.atom(func, out)
                if not isinstance(func, ast.Attribute)
                else ast.Attribute(value=self.atom(func.value, out), attr=func.attr, ctx=ast.Load())
            )
        return ast.Call(func=func, args=args, keywords=keywords)

    def _method_call(self, node: ast.Call, out) -> ast.expr:
        method = node.func.attr
        receiver = self.atom(node.func.value, out)
        args = [self.atom(a, out) for a in node.args]
        keywords = [ast.keyword(arg=k.arg, value=self.atom(k.value, out)) for k in node.keywords]
        if method in ("reshape", "transpose") and len(args) > 1:
            args = [ast.Tuple(elts=args, ctx=ast.Load())]
            if not all(isinstance(a, ast.Constant) for a in args[0].elts):
                args = [self._pack(args[0], out)]
        if method == "astype":
            keywords = [ast.keyword(arg="dtype", value=args[0])] if args else keywords
            args = []
        return self._numpy_call(_ARRAY_METHODS[method], [receiver] + args, keywords)

    def _pack(self, node, out):
        temp = self.namer.fresh()
        self._emit(temp, node, out)
        return _load(temp)

    def _numpy_call(self, name: str, args, keywords) -> ast.Call:
        func = ast.Attribute(value=_load(self.context.numpy), attr=name, ctx=ast.Load())
        return ast.Call(func=func, args=args, keywords=keywords)

    def _is_reference(self, node) -> bool:
        """Whether ``node`` names a module (``np``, ``np.linalg``), not a value computed at run time."""
        root = node
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name) or root.id in self.local_names:
            return False
        return isinstance(self.context.resolve(node), (types.ModuleType, type))


_VIEW_FUNCTIONS = aliasing.RESHAPING


def _view_source(value):
    """The name a possible view is a view of."""
    if isinstance(value, ast.Name):
        return value.id
    if isinstance(value, (ast.Subscript, ast.Attribute)):
        return getattr(value.value, "id", None)
    if isinstance(value, ast.Call):
        if isinstance(value.func, ast.Attribute) and not value.args:
            return getattr(value.func.value, "id", None)  # x.ravel(), x.transpose()
        if value.args:
            first = value.args[0]
            if (
                isinstance(value.func, ast.Attribute)
                and value.func.attr in ("reshape", "transpose")
                and isinstance(value.func.value, ast.Name)
                and value.func.value.id not in ("np", "numpy")
            ):
                return value.func.value.id
            return getattr(first, "id", None)
    return None


def _may_be_view(value) -> bool:
    """Whether ``value`` can be a view of (share memory with) another array."""
    if isinstance(value, ast.Name):
        return True
    if isinstance(value, ast.Subscript):
        return True
    if isinstance(value, ast.Attribute) and value.attr == "T":
        return True
    if isinstance(value, ast.Call):
        func = value.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name in _VIEW_FUNCTIONS
    return False


_UPDATING_FUNCTIONS = {
    "copyto",
    "put",
    "place",
    "putmask",
    "fill_diagonal",
    "shuffle",
    "put_along_axis",
}
_OPERATORS = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
    ast.MatMult: "@",
    ast.FloorDiv: "//",
    ast.Mod: "%",
}


def _bound_at(statement) -> str:
    """`` (assigned `v = x[:]` on line 3)``, for messages."""
    if statement is None or not hasattr(statement, "lineno"):
        return ""
    text = ast.unparse(statement).splitlines()[0]
    return f" (assigned `{text}` on line {statement.lineno})"


def _walk_statements(body):
    """Every node of ``body``."""
    for statement in body:
        yield from ast.walk(statement)


def _lower_returns(statements: list, result: str, flag: str) -> tuple:
    """``statements`` with each ``return v`` turned into ``result = v; flag = True``; also whether they may return."""
    out = []
    for index, statement in enumerate(statements):
        if isinstance(statement, ast.Return):
            out.append(
                ast.copy_location(
                    ast.Assign(targets=[_store(result)], value=statement.value), statement
                )
            )
            out.append(
                ast.copy_location(
                    ast.Assign(targets=[_store(flag)], value=ast.Constant(True)), statement
                )
            )
            return out, True
        may_return = False
        if isinstance(statement, ast.If):
            body, in_body = _lower_returns(statement.body, result, flag)
            orelse, in_else = _lower_returns(statement.orelse, result, flag)
            statement = ast.copy_location(
                ast.If(test=statement.test, body=body or [ast.Pass()], orelse=orelse), statement
            )
            may_return = in_body or in_else
        elif isinstance(statement, (ast.For, ast.While)):
            body, may_return = _lower_returns(statement.body, result, flag)
            if may_return:
                exit_loop = ast.copy_location(
                    ast.If(test=_load(flag), body=[ast.Break()], orelse=[]), statement
                )
                body = body + [exit_loop]
            loop = copy.copy(statement)
            loop.body = body
            statement = loop
        out.append(statement)
        if may_return:
            rest, _ = _lower_returns(statements[index + 1 :], result, flag)
            if rest:
                guard = ast.UnaryOp(op=ast.Not(), operand=_load(flag))
                out.append(ast.copy_location(ast.If(test=guard, body=rest, orelse=[]), rest[0]))
            return out, True
    return out, False


def _walk_loop_body(body):
    """The nodes of a loop body, not descending into nested loops (their jumps are their own)."""
    stack = list(body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.For, ast.While)):
            stack.extend(ast.iter_child_nodes(node))
        else:
            stack.extend(node.orelse)


def _lower(statements: list, flags: dict, origin) -> tuple:
    """``statements`` with jumps turned into flag assignments; also whether they may jump."""
    out = []
    for index, statement in enumerate(statements):
        if isinstance(statement, (ast.Break, ast.Continue)):
            flag = flags[type(statement)]
            out.append(
                ast.copy_location(
                    ast.Assign(targets=[_store(flag)], value=ast.Constant(True)), statement
                )
            )
            return out, True
        if isinstance(statement, ast.If):
            body, jumps_in_body = _lower(statement.body, flags, origin)
            orelse, jumps_in_else = _lower(statement.orelse, flags, origin)
            out.append(
                ast.copy_location(
                    ast.If(test=statement.test, body=body or [ast.Pass()], orelse=orelse), statement
                )
            )
            if jumps_in_body or jumps_in_else:
                rest, _ = _lower(statements[index + 1 :], flags, origin)
                if rest:
                    names = [_load(f) for f in flags.values()]
                    jumped = names[0] if len(names) == 1 else ast.BoolOp(op=ast.Or(), values=names)
                    guard = ast.UnaryOp(op=ast.Not(), operand=jumped)
                    out.append(ast.copy_location(ast.If(test=guard, body=rest, orelse=[]), rest[0]))
                return out, True
            continue
        out.append(statement)
    return out, False


def rename_straight_line(body: list, params, namer) -> list:
    """Give each top-level reassignment a fresh name (``x_1``), unless the name is also assigned in a block."""
    in_blocks = set()
    for statement in body:
        if (
            isinstance(statement, ast.Assign)
            and isinstance(statement.value, ast.Call)
            and isinstance(statement.value.func, ast.Attribute)
            and statement.value.func.attr in ("setitem", "append")
        ):
            in_blocks.add(statement.targets[0].id)  # updated in place: one object, one name
        if isinstance(statement, (ast.If, ast.For, ast.While)):
            for child in ast.walk(statement):
                if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                    in_blocks.add(child.id)
    defined = set(params)
    current: dict = {}
    renamed = []
    for statement in body:
        statement = _RenameLoads(current).visit(statement)
        if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name):
            name = statement.targets[0].id
            if name not in in_blocks:
                if name in defined:
                    new_name = namer.unique(name)
                    current[name] = new_name
                    statement.targets[0] = ast.copy_location(_store(new_name), statement.targets[0])
                else:
                    current.pop(name, None)
                defined.add(name)
        renamed.append(statement)
    return renamed


class _RenameLoads(ast.NodeTransformer):
    def __init__(self, mapping):
        self.mapping = mapping

    def visit_FunctionDef(self, node):
        return node  # a lifted local function has its own names

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.mapping:
            return ast.copy_location(_load(self.mapping[node.id]), node)
        return node


def normalize(context: Context) -> ast.FunctionDef:
    """The function of ``context`` in normal form (its local functions lifted first)."""
    from .lift import lift

    lift(context)
    return Normalizer(context).function()
