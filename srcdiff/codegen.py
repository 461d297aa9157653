"""Syntax tree to source text: astor for the text that is compiled, black for the text people read.

The compiler writes each stage's text with ``to_source``; ``srcdiff.source`` formats it with ``format_source``.
"""

from __future__ import annotations

import ast
import re

import astor

from .vocabulary import COMMENT

_COMMENT = re.compile(r"^(\s*)" + COMMENT + r"\((.*)\)\s*$")


def to_source(node: ast.AST) -> str:
    """Python source for ``node``, with comment placeholders turned into comments."""
    # astor records each expression's precedence on the node (``_pp``) as it prints it; a node printed before in
    # another place (a stage, then folded into a subscript by the optimiser) would keep a stale one and lose
    # its parentheses
    for child in ast.walk(node):
        child.__dict__.pop("_pp", None)
    # one statement per line (astor's own line wrapping is left to black, which does it better)
    text = astor.to_source(node, indent_with=" " * 4, pretty_source="".join)
    lines = []
    for line in text.splitlines():
        match = _COMMENT.match(line)
        if match:
            indent, literal = match.groups()
            lines.append(f"{indent}# {ast.literal_eval(literal)}")
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


def format_source(text: str) -> str:
    """``text`` formatted with black (imported only when asked for: it is slow to import)."""
    try:
        import black
    except ImportError:  # black is a dependency, but generated code reads fine without it
        return text
    try:
        return black.format_str(text, mode=black.Mode(line_length=100))
    except Exception:  # black rejects nothing astor writes; never lose the text if it does
        return text
