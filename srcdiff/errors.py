"""The exceptions srcdiff raises.

Every error that concerns the user's code carries the file, the line and the offending source, and its message
says what to do about it.
"""

from __future__ import annotations


class SrcdiffError(Exception):
    """Base class of every error srcdiff raises on purpose."""

    def __init__(
        self,
        message: str,
        *,
        filename: str | None = None,
        lineno: int | None = None,
        col: int | None = None,
        source_line: str | None = None,
        hint: str | None = None,
    ):
        self.message = message
        self.filename = filename
        self.lineno = lineno
        self.col = col
        self.source_line = source_line
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        parts = []
        if self.filename is not None:
            where = self.filename if self.lineno is None else f"{self.filename}:{self.lineno}"
            parts.append(f"{where}: {self.message}")
        else:
            parts.append(self.message)
        if self.source_line:
            parts.append(f"    {self.source_line.strip()}")
            if self.col is not None:
                indent = len(self.source_line) - len(self.source_line.lstrip())
                parts.append("    " + " " * max(self.col - indent, 0) + "^")
        if self.hint:
            parts.append(self.hint)
        return "\n".join(parts)


class SourceUnavailableError(SrcdiffError):
    """The function has no Python source to transform (a builtin, a C function, code typed at a REPL)."""


class UnsupportedSyntaxError(SrcdiffError):
    """The function uses a construct outside the subset of Python srcdiff differentiates."""


class NoRuleError(SrcdiffError):
    """A call to a function that has neither an adjoint rule nor Python source."""


class NonScalarOutputError(SrcdiffError, ValueError):
    """grad was asked for the gradient of a function whose output is not a scalar."""


class WrtError(SrcdiffError, ValueError):
    """`wrt` names a parameter the function does not have."""


class InputTypeError(SrcdiffError, TypeError):
    """An argument differentiated against is not a floating-point value."""


class ChoiceError(SrcdiffError, ValueError):
    """An option was given a value it does not take: the message names the values it does take."""
