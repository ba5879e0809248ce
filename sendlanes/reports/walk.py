"""Which files a run reads: paths given, directories searched, Maildirs understood."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path


def input_files(paths: Sequence[Path]) -> Iterator[tuple[Path, bool]]:
    """The files under *paths* in a stable order, each with whether it is a Maildir message.

    Directories are searched (dotfiles and symlinked directories skipped); in a Maildir only
    ``cur/`` and ``new/`` are read (``tmp/`` holds deliveries in progress).
    """
    for path in paths:
        if path.is_dir():
            yield from _directory(path)
        else:
            yield path, False


def _entries(directory: Path) -> Iterator[Path]:
    # Sorted names, not Path objects: a directory of 100,000 reports costs a list of strings.
    for name in sorted(os.listdir(directory)):
        yield directory / name


def _directory(root: Path) -> Iterator[tuple[Path, bool]]:
    if (root / "cur").is_dir() and (root / "new").is_dir():
        for sub in ("cur", "new"):
            for entry in _entries(root / sub):
                if entry.is_file() and not entry.name.startswith("."):
                    yield entry, True
        for entry in _entries(root):
            if entry.is_dir() and entry.name.startswith("."):
                yield from _directory(entry)  # Maildir++ sub-folders
        return
    for entry in _entries(root):
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and not entry.is_symlink():
            yield from _directory(entry)
        elif entry.is_file():
            yield entry, False


def is_mbox(path: Path) -> bool:
    """True when *path* starts like an mbox file (a ``From `` line)."""
    try:
        with path.open("rb") as handle:
            return handle.read(5) == b"From "
    except OSError:
        return False
