"""Read a function's source, parse it, and resolve the names it refers to.

The parsed tree keeps the line numbers of the user's file, so every later error can point at the user's line.
The package: ``source`` reads and parses a function (checked against its code object by ``matching``),
``function`` is the parsed function and its name resolution, and ``guards`` the guards that resolution records.
"""

from .function import ParsedFunction
from .guards import MISSING, AttributeOf, TypeIs, attribute_guards, is_data, namespace_of
from .source import parse_function, require_code

__all__ = [
    "MISSING",
    "AttributeOf",
    "ParsedFunction",
    "TypeIs",
    "attribute_guards",
    "is_data",
    "namespace_of",
    "parse_function",
    "require_code",
]
