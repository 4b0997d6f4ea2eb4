"""Reading the project's own files safely: only regular files, and card files of a sane size.

A FIFO would block ``read_bytes`` forever and a link to ``/dev/zero`` would fill memory, so every file ankigen
reads from the project (cards, config, lock, preamble) goes through ``read_file``: it opens without blocking,
looks at what the path is, and reads only a regular file, raising ``OSError`` with a reason a person can act on
otherwise. No other ankigen module is imported here.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

#: a card file larger than this is refused: it cannot be a hand-written deck, and parsing it would take minutes
MAX_CARD_FILE_BYTES = 64 * 1024 * 1024


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_head(path: Path, size: int) -> bytes:
    """The first ``size`` bytes of the regular file at ``path``; ``OSError`` as ``read_file`` for anything else."""
    fd, _size = _open_regular(path)
    try:
        return os.read(fd, size)
    finally:
        os.close(fd)


def _open_regular(path: Path) -> tuple[int, int]:
    """A read-only descriptor of the regular file at ``path`` (opened without blocking on a FIFO), and its size."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "it is a folder", str(path))
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, f"it is {_kind(info.st_mode)}, not a regular file", str(path))
    except BaseException:
        os.close(fd)
        raise
    return fd, info.st_size


def read_file(path: Path, limit: int | None = None) -> bytes:
    """The bytes of the regular file at ``path`` (links followed); ``OSError`` for anything else (a folder, a
    FIFO, a device, a socket) and for a file of more than ``limit`` bytes."""
    fd, size = _open_regular(path)
    try:
        if limit is not None and size > limit:
            raise OSError(errno.EFBIG, f"it is larger than {limit // (1024 * 1024)} MB", str(path))
        chunks = []
        size = 0  # counted again: the file may grow while it is read
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            size += len(chunk)
            if limit is not None and size > limit:  # it grew while we read
                raise OSError(errno.EFBIG, f"it is larger than {limit // (1024 * 1024)} MB", str(path))
        return b"".join(chunks)
    finally:
        os.close(fd)
