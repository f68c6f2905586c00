"""`tail` and `tail -F` for the broker log, which log4j rotates by size."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

_BLOCK = 8192


def tail_lines(path: Path, count: int) -> list[str]:
    """The last `count` lines, read from the end so a large log costs little."""
    if count <= 0:
        return []
    with path.open("rb") as handle:
        position = handle.seek(0, os.SEEK_END)
        data = b""
        while position > 0 and data.count(b"\n") <= count:
            step = min(_BLOCK, position)
            position -= step
            handle.seek(position)
            data = handle.read(step) + data
    return data.decode("utf-8", errors="replace").splitlines()[-count:]


def follow(path: Path, write: Callable[[str], None], poll_s: float = 0.5) -> None:
    """Write lines as they are appended, reopening after a rotation; runs until interrupted."""
    handle = path.open("rb")
    handle.seek(0, os.SEEK_END)
    pending = b""
    try:
        while True:
            chunk = handle.read()
            if chunk:
                *lines, pending = (pending + chunk).split(b"\n")
                for line in lines:
                    write(line.decode("utf-8", errors="replace"))
                continue
            if _rotated(path, handle.fileno(), handle.tell()):  # the old file is drained
                if pending:
                    write(pending.decode("utf-8", errors="replace"))
                handle.close()
                handle = path.open("rb")
                pending = b""
                continue
            time.sleep(poll_s)
    finally:
        handle.close()


def _rotated(path: Path, fd: int, position: int) -> bool:
    try:
        current = path.stat()
    except FileNotFoundError:
        return False
    return current.st_ino != os.fstat(fd).st_ino or current.st_size < position
