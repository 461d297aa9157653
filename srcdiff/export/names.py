"""The names in the text of a module: those a statement binds, those code reads, the attributes read from one
name, and the check that the finished module defines every name it refers to.
"""

from __future__ import annotations

import ast
import builtins
import symtable

from .values import ExportError


def _attributes_of(name: str, source: str) -> set[str]:
    """The attributes ``NAME.attribute`` that ``source`` reads."""
    return {
        node.attr
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == name
    }


def _defined_names(source: str) -> list[str]:
    return [name for statement in ast.parse(source).body for name in _bound_names(statement)]


def _bound_names(statement: ast.stmt) -> list[str]:
    """The module-level names a top-level statement binds."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [statement.name]
    if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    if isinstance(statement, ast.Import):
        return [alias.asname or alias.name.partition(".")[0] for alias in statement.names]
    if isinstance(statement, ast.ImportFrom) and statement.module != "__future__":
        return [alias.asname or alias.name for alias in statement.names]
    return []


def _loaded_names(tree: ast.AST) -> set[str]:
    """Names read anywhere in ``tree``, annotations left out (the module does not evaluate them)."""
    names = set()

    def visit(node):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            names.add(node.id)
        for field, child in ast.iter_fields(node):
            if field in ("annotation", "returns"):
                continue
            for item in child if isinstance(child, list) else [child]:
                if isinstance(item, ast.AST):
                    visit(item)

    visit(tree)
    return names


def _check_names(text: str) -> None:
    """Fail now, rather than with a NameError later, if the module refers to a name it does not define."""
    top = symtable.symtable(text, "<export>", "exec")
    defined = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()}
    defined |= set(dir(builtins))
    missing = set()

    def visit(table, is_top):
        for symbol in table.get_symbols():
            free = symbol.is_referenced() and (is_top or symbol.is_global())
            if free and symbol.get_name() not in defined:
                missing.add(symbol.get_name())
        for child in table.get_children():
            visit(child, False)

    visit(top, True)
    if missing:
        raise ExportError(
            f"cannot export: the module would refer to undefined names: {', '.join(sorted(missing))}",
            hint="this is a srcdiff bug: the derivative's free_globals should list them",
        )
