"""How the srcdiff command fails: the exit statuses, the error it reports as one message, and the messages for
code of the user's that fails to import or run (naming the user's line, not srcdiff's).
"""

from __future__ import annotations

import os
import traceback

FAILURE, USAGE = 1, 2
BUG_ADVICE = "\n(a srcdiff bug: rerun with --debug to see the traceback, and report it)"


class CliError(Exception):
    """A failure reported as one message on stderr, with an exit status."""

    def __init__(self, message: str, status: int = FAILURE):
        super().__init__(message)
        self.status = status


def _import_failure(origin: str, error: BaseException, filename: str | None) -> str:
    if isinstance(error, SyntaxError):
        where = f"{error.filename}:{error.lineno}: " if error.filename else ""
        message = f"{where}syntax error: {error.msg}"
        if error.text:
            message += f"\n    {error.text.strip()}"
            if error.offset:
                indent = len(error.text) - len(error.text.lstrip())
                message += "\n    " + " " * max(error.offset - 1 - indent, 0) + "^"
        return message
    where = _user_frame(error, filename)
    return f"{where}importing {origin} failed: {type(error).__name__}: {error}"


def _user_frame(error: BaseException, filename: str | None) -> str:
    """``"file:line: "`` of the innermost frame in ``filename`` (else outside srcdiff and importlib)."""
    frames = traceback.extract_tb(error.__traceback__)
    mine = [frame for frame in frames if frame.filename == filename]
    if not mine:
        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # srcdiff's folder
        mine = [
            frame
            for frame in frames
            if not frame.filename.startswith(("<frozen", package))
            and "importlib" not in frame.filename
        ]
    return f"{mine[-1].filename}:{mine[-1].lineno}: " if mine else ""
