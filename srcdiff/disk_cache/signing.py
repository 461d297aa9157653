"""The HMAC that proves an entry was written by srcdiff for this user and this function.

Each folder holds a random key of the user's (the file ``key``, mode 0600, made on first use). An entry file is a
header line (the magic, the format, an HMAC-SHA256) and the body; the HMAC covers the format, the entry's name
and the body, so an entry written for one function is never taken for another, and a file srcdiff did not write
(or that was damaged) is a miss.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets

from .folder import _note_unwritable, _read_private, _write_private
from .state import _FORMAT, _warn

_MAGIC = b"srcdiff-cache"
_KEY_FILE = "key"


def _secret(folder: int, directory: str, create: bool) -> bytes | None:
    """The user's random key for the entries in ``folder``, made on first use (None if there is none)."""
    path = os.path.join(directory, _KEY_FILE)
    for _ in range(2):
        data = _read_private(folder, _KEY_FILE, path, 64)
        if data is not None:
            if len(data) != 64:
                _warn(path, "the cache key is damaged; delete the file to start a new cache")
                return None
            return data
        if not create:
            return None
        try:
            _write_private(folder, _KEY_FILE, secrets.token_hex(32).encode(), exclusive=True)
        except FileExistsError:
            pass  # another process made it first: read theirs
        except OSError as error:
            _note_unwritable(directory, error)
            return None
    return None


def _mac(secret: bytes, digest: str, body: bytes) -> str:
    return hmac.new(
        secret, _MAGIC + b"\0%d\0" % _FORMAT + digest.encode() + b"\0" + body, hashlib.sha256
    ).hexdigest()


def _seal(secret: bytes, digest: str, body: bytes) -> bytes:
    return _MAGIC + b" %d %s\n" % (_FORMAT, _mac(secret, digest, body).encode()) + body


def _unseal(secret: bytes, digest: str, data: bytes) -> bytes | None:
    """The body of an entry if it is sealed with ``secret`` for ``digest`` in this format, else None."""
    header, newline, body = data.partition(b"\n")
    parts = header.split(b" ")
    if not newline or len(parts) != 3 or parts[0] != _MAGIC or parts[1] != b"%d" % _FORMAT:
        return None
    if not hmac.compare_digest(parts[2], _mac(secret, digest, body).encode()):
        return None
    return body
