"""Where the disk cache lives, and reading and writing its files safely.

The folder is found from the ``cache=`` setting or the environment (``disk_directory``), opened once and checked
(the user's, writable by nobody else), and every file in it is reached through that descriptor: opened without
following symbolic links and without blocking, accepted only as a regular file of the user's with mode 0600 and
a bounded size, and written atomically (a temporary file, then a rename). Used by the signing key and by the
entries themselves.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import time

from .state import _LOCK, _unwritable, _warn

_MAX_ENTRY = 4 << 20  # bytes: generated modules are a few kilobytes
_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
)  # reading a file: no symbolic link followed, no waiting on a FIFO
_NEW = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)  # a new temporary file, never one that is there already
_DIRECTORY = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)


def default_directory() -> str | None:
    """The user's own cache folder: $XDG_CACHE_HOME/srcdiff, else ~/.cache/srcdiff."""
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):  # the XDG specification ignores a relative path
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return os.path.join(base, "srcdiff")


def disk_directory(setting) -> str | None:
    """The cache folder for a ``cache=`` setting: a path, True for the default, None to ask the environment."""
    if setting is None:
        return os.environ.get("SRCDIFF_CACHE_DIR") or None
    if setting is False:
        return None
    if setting is True:
        return os.environ.get("SRCDIFF_CACHE_DIR") or default_directory()
    return os.fspath(setting)


def _open_directory(directory: str, create: bool) -> int | None:
    """A descriptor of ``directory`` if it is the user's and nobody else may write in it, else None (with a
    warning). Every later operation goes through the descriptor, so the folder checked is the folder used.
    """
    directory = os.path.abspath(directory)
    if create and not os.path.lexists(directory):
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
        except OSError as error:
            _warn(
                directory,
                f"cannot create the cache folder ({error.strerror}); working without the disk cache",
            )
            return None
    try:
        descriptor = os.open(directory, _DIRECTORY)
    except FileNotFoundError:
        return None
    except OSError as error:
        _warn(
            directory,
            f"cannot open the cache folder ({error.strerror}); working without the disk cache",
        )
        return None
    try:
        info = os.fstat(descriptor)
        problem = None
        if not stat.S_ISDIR(info.st_mode):
            problem = "is not a folder"
        elif info.st_uid != os.geteuid():
            problem = f"belongs to uid {info.st_uid}, not to you (uid {os.geteuid()})"
        elif info.st_mode & 0o022:
            problem = (
                f"is writable by other users (mode {stat.S_IMODE(info.st_mode):04o}; chmod 700 it)"
            )
        if problem is not None:
            _warn(
                directory,
                f"not used as a cache folder: it {problem}; working without the disk cache",
            )
            os.close(descriptor)
            return None
    except OSError:
        os.close(descriptor)
        return None
    return descriptor


def _read_private(folder: int, name: str, path: str, limit: int) -> bytes | None:
    """The bytes of the file ``name`` in ``folder`` if it is a regular file of the user's, mode 0600, at most
    ``limit`` bytes; None if it is missing. Anything else is ignored, with a warning naming ``path``.
    """
    try:
        descriptor = os.open(name, _FLAGS, dir_fd=folder)
    except FileNotFoundError:
        return None
    except OSError as error:  # ELOOP: a symbolic link
        _warn(path, f"ignored: cannot be opened safely ({error.strerror})")
        return None
    try:
        info = os.fstat(descriptor)
        problem = None
        if not stat.S_ISREG(info.st_mode):
            problem = "is not a regular file"
        elif info.st_uid != os.geteuid():
            problem = f"belongs to uid {info.st_uid}, not to you"
        elif stat.S_IMODE(info.st_mode) != 0o600:
            problem = f"has mode {stat.S_IMODE(info.st_mode):04o}, not 0600"
        elif info.st_size > limit:
            problem = f"is too large ({info.st_size} bytes)"
        if problem is not None:
            _warn(path, f"ignored: it {problem}")
            return None
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(descriptor, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            _warn(path, "ignored: it is too large")
            return None
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(descriptor)


def _write_private(folder: int, name: str, data: bytes, exclusive: bool = False) -> None:
    """Write ``data`` to ``name`` in ``folder`` atomically (a temporary file, then a rename, or with
    ``exclusive`` a link, which fails if ``name`` exists), mode 0600. The temporary file never outlives a
    failure."""
    temporary = f".tmp-{secrets.token_hex(8)}"
    descriptor = os.open(temporary, _NEW, 0o600, dir_fd=folder)
    placed = False
    try:
        try:
            os.fchmod(descriptor, 0o600)  # whatever the umask
            view = memoryview(data)
            while view:
                written = os.write(descriptor, view)
                view = view[written:]
        finally:
            os.close(descriptor)
        if exclusive:
            os.link(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
        else:
            os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
            placed = True
    finally:
        if not placed:
            try:
                os.unlink(temporary, dir_fd=folder)
            except OSError:
                pass


_STALE = 600  # seconds after which a temporary file is one a killed process left behind


def _sweep(folder: int) -> None:
    """Remove the temporary files that processes killed while writing left in ``folder``."""
    now = time.time()
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(".tmp-"):
                    info = entry.stat(follow_symlinks=False)
                    if now - info.st_mtime > _STALE and info.st_uid == os.geteuid():
                        os.unlink(entry.name, dir_fd=folder)
    except OSError:
        pass


# errors that say the folder cannot take files (full, read-only, over quota or a size limit)
_FOLDER_ERRORS = {
    getattr(errno, name)
    for name in ("ENOSPC", "EDQUOT", "EFBIG", "EROFS", "EACCES", "EPERM", "EIO")
    if hasattr(errno, name)
}


def _note_unwritable(directory: str, error: OSError) -> None:
    with _LOCK:
        _unwritable.add(directory)
    _warn(
        directory,
        f"cannot write in the cache folder ({error.strerror or error}); generated code is not "
        "kept on disk",
    )
