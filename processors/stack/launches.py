"""Where `svcstd up` ran: the var dirs it started processes in, so `down` finds them all.

`up` records its var dir in an index under the default var dir of the directory
it ran from; a `down` run there without SVC_VAR_DIR stops what was started in
every recorded var dir, besides its own (a `down` given SVC_VAR_DIR stops that
one only). A var dir is forgotten once `down` stopped it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from processors.stack.processes import file_lock

DEFAULT_VAR = "var"


def index_file(cwd: Path) -> Path:
    return cwd / DEFAULT_VAR / "run" / "launches"


def _read(index: Path) -> list[Path]:
    try:
        lines = index.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    return [Path(line) for line in lines if line.strip()]


def _write(index: Path, var_dirs: list[Path]) -> None:
    tmp = index.with_name(index.name + ".tmp")
    tmp.write_text("".join(f"{d}\n" for d in var_dirs), encoding="utf-8")
    tmp.replace(index)


def record(var_dir: Path, cwd: Path) -> None:
    """Remember that `up` started processes in `var_dir`."""
    index = index_file(cwd)
    with file_lock(index.with_name("launches.lock")):
        known = _read(index)
        if var_dir.resolve() not in known:
            _write(index, [*known, var_dir.resolve()])


def to_stop(var_dir: Path, cwd: Path, environ: Mapping[str, str] | None = None) -> list[Path]:
    """The var dirs a `down` must stop: its own, and with no SVC_VAR_DIR every recorded one."""
    env = os.environ if environ is None else environ
    own = var_dir.resolve()
    if env.get("SVC_VAR_DIR", "").strip():
        return [own]
    return [own, *(d for d in _read(index_file(cwd)) if d != own)]


def forget(var_dir: Path, cwd: Path) -> None:
    """`down` stopped everything in `var_dir`."""
    index = index_file(cwd)
    if not index.exists():
        return
    with file_lock(index.with_name("launches.lock")):
        _write(index, [d for d in _read(index) if d != var_dir.resolve()])
