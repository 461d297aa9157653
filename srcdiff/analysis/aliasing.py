"""Which names may share memory, and whether an in-place update is seen through another name afterwards.

numpy's semantics: ``z = y`` and ``v = w.reshape(-1)`` or ``v = x[:]`` give a second name for the same memory;
``y += v``, ``y[i] = v`` and ``items.append(v)`` change that memory. srcdiff's normal form gives every update a
new value of the updated name, so another name that shares the memory and is read afterwards would not see the
update. This analysis finds those cases before any code is generated:

- an item update (``y[i] = v``, ``y[i] += v``, ``y.append(v)``) seen through another live name is refused with a
  located error;
- an augmented assignment ``y += v`` is an in-place update only when ``y`` holds an array or a list (for a number
  or a tuple it binds a new value): where another live name may share ``y``'s value, the normal form checks at run
  time that ``y`` is not an array or a list (``_rt.check_unshared``).

Values are abstract objects: one per parameter, per global name, and per place that makes a new value. A view
(slicing, ``.T``, ``reshape``...) is the object it views; a list or tuple also records the objects of its items.
Calls of the user's functions are assumed to return new values.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from .defuse import reads

# calls that may return a view of their first argument (or of the object whose method they are): those the
# normal form already refused views of, and the others numpy has
RESHAPING = {
    "reshape",
    "transpose",
    "ravel",
    "squeeze",
    "expand_dims",
    "asarray",
    "atleast_1d",
    "atleast_2d",
    "broadcast_to",
    "T",
    "swapaxes",
    "moveaxis",
}
VIEW_FUNCTIONS = RESHAPING | {
    "view",
    "asanyarray",
    "diagonal",
    "atleast_3d",
    "flip",
    "fliplr",
    "flipud",
    "rot90",
    "real",
    "imag",
    "split",
    "array_split",
    "hsplit",
    "vsplit",
    "reversed",
    "iter",
}
# methods that change the object they are called on (lists, arrays, dicts, sets)
UPDATING_METHODS = {
    "append",
    "extend",
    "insert",
    "remove",
    "pop",
    "clear",
    "sort",
    "reverse",
    "fill",
    "resize",
    "put",
    "itemset",
    "setfield",
    "update",
    "setdefault",
    "popitem",
    "add",
    "discard",
}
_VIEW_ATTRIBUTES = {"T", "real", "imag", "flat", "mT"}


@dataclass
class Findings:
    """What the analysis found: updates to refuse, and augmented assignments to check at run time."""

    refused: list = field(
        default_factory=list
    )  # (statement, updated name, other name, where it was bound)
    # id(update) -> (names taken by indexing or None, another name, where it was bound, whether the update is an
    # augmented assignment): checked at run time, as ``y += v`` updates in place only an array or a list, and
    # a name taken by indexing shares memory only if it holds an array (an item of a 1-d array is a number, a
    # row of a 2-d one a view); None where a name certainly shares the memory
    checked: dict = field(default_factory=dict)


def analyse(function: ast.FunctionDef) -> Findings:
    """Run the alias and liveness analyses over ``function`` (the user's syntax tree)."""
    live_after = _liveness(function.body)
    return _Aliases(function, live_after).run()


def updates_in_place(function: ast.FunctionDef, name: str) -> bool:
    """Whether ``function`` may change the object its parameter ``name`` holds (``name[i] = v``, ``name += v``
    for an array, ``name.append(v)``), before it binds ``name`` to anything else. A conservative syntactic test.
    """
    for node in ast.walk(function):
        target = node.target if isinstance(node, ast.AugAssign) else None
        if isinstance(node, ast.Assign):
            target = next((t for t in node.targets if isinstance(t, ast.Subscript)), None)
        if (
            isinstance(target, ast.Subscript)
            and isinstance(target.value, ast.Name)
            and target.value.id == name
        ):
            return True
        if isinstance(target, ast.Name) and target.id == name:
            return True
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == name
            and node.func.attr in UPDATING_METHODS
        ):
            return True
    return False


# ---- liveness: the names each statement's successors may read before assigning them -----------------------


def _bound(target: ast.AST) -> set:
    """Names a plain assignment to ``target`` rebinds (not ``y[i]`` or ``o.a``, which update an object)."""
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, (ast.Tuple, ast.List)):
        return set().union(*(_bound(e) for e in target.elts)) if target.elts else set()
    if isinstance(target, ast.Starred):
        return _bound(target.value)
    return set()


def _liveness(body: list) -> dict:
    """id(statement) -> the names that may be read after it before being assigned again."""
    after: dict = {}

    def block(statements, live, loop):
        for statement in reversed(statements):
            after[id(statement)] = after.get(id(statement), set()) | live
            live = transfer(statement, live, loop)
        return live

    def transfer(statement, live, loop):
        if isinstance(statement, ast.Assign):
            bound = set().union(*(_bound(t) for t in statement.targets))
            return (live - bound) | reads(statement)
        if isinstance(statement, ast.If):
            return (
                reads(statement.test)
                | block(statement.body, live, loop)
                | block(statement.orelse, live, loop)
            )
        if isinstance(statement, (ast.For, ast.While)):
            head = reads(statement.iter if isinstance(statement, ast.For) else statement.test)
            entry = set(live)
            while True:  # the body's end reaches its start again
                loop_live = entry | live
                new = (
                    head
                    | block(statement.body, loop_live, loop_live)
                    | block(statement.orelse, live, loop)
                )
                if new <= entry:
                    return entry
                entry |= new
        if isinstance(statement, (ast.Break, ast.Continue)):
            return live | (loop or set())
        if isinstance(statement, ast.Return):
            return reads(statement)
        return live | reads(statement)

    block(body, set(), None)
    return after


# ---- aliases ------------------------------------------------------------------------------------------------


class _Aliases:
    def __init__(self, function: ast.FunctionDef, live_after: dict):
        self.function = function
        self.live_after = live_after
        self.findings = Findings()
        self.items: dict = {}  # object -> objects of the items of the list or tuple it is
        self.origin: dict = {}  # name -> the statement that last bound it (for messages)
        self.reported: set = set()
        self.via_index: dict = (
            {}
        )  # name -> whether its value was taken by indexing or iterating (maybe a view)

    def run(self) -> Findings:
        args = self.function.args
        state = {
            a.arg: frozenset({f"parameter {a.arg}"})
            for a in args.posonlyargs + args.args + args.kwonlyargs
        }
        for _ in range(
            2
        ):  # a second pass lets values carried around loops reach the updates before them
            self.block(self.function.body, dict(state))
        return self.findings

    # objects a value may be
    def objects(self, node: ast.AST, state: dict) -> frozenset:
        if isinstance(node, ast.Name):
            return state.get(node.id, frozenset({f"global {node.id}"}))
        if isinstance(node, ast.Subscript):
            base = self.objects(node.value, state)
            return base | self.item_objects(base)
        if isinstance(node, ast.Attribute) and node.attr in _VIEW_ATTRIBUTES:
            return self.objects(node.value, state)
        if isinstance(node, ast.IfExp):
            return self.objects(node.body, state) | self.objects(node.orelse, state)
        if isinstance(node, ast.NamedExpr):
            return self.objects(node.value, state)
        if isinstance(node, ast.Constant):
            return frozenset()  # numbers, strings and None are never updated in place
        if isinstance(node, (ast.Tuple, ast.List)):
            made = frozenset({_made(node)})
            contents = (
                frozenset().union(*(self.objects(e, state) for e in node.elts))
                if node.elts
                else frozenset()
            )
            for obj in made:
                self.items[obj] = self.items.get(obj, frozenset()) | contents
            return made
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in VIEW_FUNCTIONS:
                sources = list(node.args[:1])
                if isinstance(func, ast.Attribute) and not (
                    isinstance(func.value, ast.Name) and func.value.id in ("np", "numpy")
                ):
                    sources = [func.value]
                found = (
                    frozenset().union(*(self.objects(s, state) for s in sources))
                    if sources
                    else frozenset()
                )
                return found | self.item_objects(found)
            if name in ("zip", "enumerate"):  # items of items: what a loop over them unpacks
                found = (
                    frozenset().union(*(self.objects(a, state) for a in node.args))
                    if node.args
                    else frozenset()
                )
                return found | self.item_objects(found)
        return frozenset({_made(node)})

    def item_objects(self, objects: frozenset) -> frozenset:
        found = frozenset()
        for obj in objects:
            found |= self.items.get(obj, frozenset())
        return found

    def bind(
        self,
        target: ast.AST,
        value_objects: frozenset,
        value: ast.AST | None,
        state: dict,
        statement,
    ) -> None:
        if isinstance(target, ast.Name):
            state[target.id] = value_objects
            self.origin[target.id] = statement
            if isinstance(value, ast.Name):
                self.via_index[target.id] = self.via_index.get(value.id, False)
            else:
                self.via_index[target.id] = value is None or isinstance(value, ast.Subscript)
        elif isinstance(target, (ast.Tuple, ast.List)):
            if (
                isinstance(value, (ast.Tuple, ast.List))
                and len(value.elts) == len(target.elts)
                and not any(isinstance(e, ast.Starred) for e in value.elts + target.elts)
            ):
                parts = [
                    self.objects(e, state) for e in value.elts
                ]  # evaluated before any is bound
                for element, part in zip(target.elts, parts):
                    self.bind(element, part, None, state, statement)
            else:
                parts = self.item_objects(value_objects) | value_objects
                for element in target.elts:
                    self.bind(element, parts, None, state, statement)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, value_objects, None, state, statement)

    def sharing(self, name: str, state: dict, statement) -> list:
        """Other names that share ``name``'s memory and are read after ``statement``."""
        mine = state.get(name, frozenset())
        live = self.live_after.get(id(statement), set())
        found = []
        for other, objects in state.items():
            if other == name or other not in live:
                continue
            if objects & mine or self.item_objects(objects) & mine:
                found.append(other)
        return sorted(found)

    def block(self, statements: list, state: dict) -> dict:
        for statement in statements:
            state = self.statement(statement, state)
        return state

    def statement(self, statement, state: dict) -> dict:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                    self.updated(target.value.id, statement, state)
            objects = self.objects(statement.value, state)
            for target in statement.targets:
                self.bind(target, objects, statement.value, state, statement)
        elif isinstance(statement, ast.AugAssign):
            if isinstance(statement.target, ast.Subscript) and isinstance(
                statement.target.value, ast.Name
            ):
                self.updated(statement.target.value.id, statement, state)
            elif isinstance(statement.target, ast.Name):
                others = self.sharing(statement.target.id, state, statement)
                if others:
                    self.check(statement, others, augmented=True)
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            self.bind(
                statement.target,
                self.objects(statement.value, state),
                statement.value,
                state,
                statement,
            )
        elif isinstance(statement, ast.Expr):
            call = statement.value
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and isinstance(call.func.value, ast.Name)
                and call.func.attr in ("append", "extend", "insert")
            ):
                self.updated(call.func.value.id, statement, state)
        elif isinstance(statement, ast.If):
            body = self.block(statement.body, dict(state))
            orelse = self.block(statement.orelse, dict(state))
            state = _join(body, orelse)
        elif isinstance(statement, (ast.For, ast.While)):
            for _ in range(2):
                entry = dict(state)
                if isinstance(statement, ast.For):
                    iterated = self.objects(statement.iter, entry)
                    self.bind(
                        statement.target,
                        iterated | self.item_objects(iterated),
                        None,
                        entry,
                        statement,
                    )
                state = _join(state, self.block(statement.body, entry))
            state = self.block(statement.orelse, state)
        return state

    def updated(self, name: str, statement, state: dict) -> None:
        others = self.sharing(name, state, statement)
        certain = [other for other in others if not self.via_index.get(other)]
        if certain and id(statement) not in self.reported:
            self.reported.add(id(statement))
            self.findings.refused.append((statement, name, certain[0], self.origin.get(certain[0])))
        elif others:
            self.check(statement, others, augmented=False)

    def check(self, statement, others: list, augmented: bool) -> None:
        """Check ``statement`` at run time; ``views`` None where a name certainly shares the memory."""
        views = None if any(not self.via_index.get(other) for other in others) else others
        known = self.findings.checked.get(id(statement))
        if known is not None:
            views = (
                None if known[0] is None or views is None else sorted(set(views) | set(known[0]))
            )
        self.findings.checked[id(statement)] = (
            views,
            others[0],
            self.origin.get(others[0]),
            augmented,
        )


def _made(node: ast.AST) -> str:
    """The abstract object made where ``node`` is evaluated."""
    return f"value made on line {getattr(node, 'lineno', 0)} ({id(node)})"


def _join(first: dict, second: dict) -> dict:
    joined = dict(first)
    for name, objects in second.items():
        joined[name] = joined.get(name, frozenset()) | objects
    return joined
