"""Writing the command's results: code to stdout, and ``-o FILE`` written atomically, never through a symbolic
link nor over the input file.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile

from .failures import USAGE, CliError


def _refuse_to_overwrite(output: str, source_file: str | None) -> None:
    if os.path.islink(output):
        raise CliError(
            f"-o {output}: is a symbolic link; refusing to write through it (give the file it "
            f"points to, or '-' for standard output)",
            USAGE,
        )
    if os.path.isdir(output):
        raise CliError(f"-o {output}: is a folder; give a file name", USAGE)
    if os.path.exists(output) and not os.path.isfile(output):
        raise CliError(
            f"-o {output}: is not a regular file; give a file name, or '-' for standard output",
            USAGE,
        )
    if source_file and os.path.exists(output) and os.path.samefile(output, source_file):
        raise CliError(f"-o {output}: refusing to overwrite the input file", USAGE)


def _write_atomically(path: str, text: str, source_file: str | None = None) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never half of one.

    The new file replaces ``path`` itself (a symbolic link put there meanwhile is replaced, not written
    through), and has the permissions (and, where allowed, the owner) of the file it replaces; a new file gets
    the usual mode for the umask.
    """
    folder = os.path.dirname(os.path.abspath(path))
    try:
        descriptor, temporary = tempfile.mkstemp(
            dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp"
        )
    except OSError as error:
        raise CliError(f"cannot write {path}: {error.strerror}") from error
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            try:
                existing = os.lstat(path)
            except FileNotFoundError:
                existing = None
            if existing is not None and stat.S_ISREG(existing.st_mode):
                with contextlib.suppress(OSError):  # keep the owner where we may (as root)
                    os.fchown(file.fileno(), existing.st_uid, existing.st_gid)
                os.fchmod(file.fileno(), stat.S_IMODE(existing.st_mode))
            else:
                umask = os.umask(0)
                os.umask(umask)
                os.fchmod(
                    file.fileno(), 0o666 & ~umask
                )  # mkstemp makes it private: a normal file's mode
            os.fsync(file.fileno())
        if source_file and os.path.exists(path) and os.path.samefile(path, source_file):
            raise CliError(f"-o {path}: refusing to overwrite the input file", USAGE)
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise CliError(f"cannot write {path}: {error.strerror}") from error
        raise


def _print(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
