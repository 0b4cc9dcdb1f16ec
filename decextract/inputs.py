"""The inputs of a batch: files, folders and globs turned into the files to read, each once, none lost.

:class:`Inputs` walks what it is given.  Every file found is in
:attr:`Inputs.files` — even one decextract cannot read, so that it is reported,
not silently dropped — and :attr:`Inputs.refused` says which of them are not
read at all and why:

- a symbolic link found while walking a folder whose target lies outside
  every input (a link to ``/etc/passwd``, ``/dev/zero``, another disk) is not
  followed unless ``follow_links``: no file outside the inputs is read;
- a link to a folder inside the inputs is walked (its files count once, under
  the first path they were found at); one to a folder outside is reported, or
  walked with ``follow_links``; a link loop is reported.

A path named on the command line is an input itself and is always read, link or
not.  Hidden files and folders (names starting with ".") inside walked folders
are left out, as are the batch's own outputs (``exclude``).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path

from .errors import DecExtractError, LinkNotFollowedError
from .storable import shown

_GLOB_CHARS = frozenset("*?[")


def _real(path: str) -> str:
    try:
        return os.path.realpath(path, strict=True)
    except (OSError, RuntimeError):  # dangling or a loop: where it points, as far as it goes
        return os.path.realpath(path)


def _inside(real: str, folder: str) -> bool:
    return real == folder or real.startswith(folder.rstrip(os.sep) + os.sep)


class Inputs:
    """The files named by ``paths`` in the order found, as absolute paths (or as found, when not
    ``absolute``); see the module docstring."""

    def __init__(self, paths: Iterable[str | os.PathLike], *, exclude: Collection[str | os.PathLike] = (),
                 follow_links: bool = False, absolute: bool = True):
        self.follow_links = follow_links
        self.absolute = absolute
        self.files: list[str] = []
        self.refused: dict[str, DecExtractError] = {}
        self._member_sizes: dict[str, int] = {}  # archive member -> its size as the archive declares it
        self._seen: set[str] = set()
        self._excluded = [_real(os.fspath(p)) for p in exclude]
        args = [os.fspath(p) for p in paths]
        self._roots = [_real(a) for a in args if os.path.isdir(a)]
        self._roots += [_real(_glob_base(a)) for a in args if not os.path.exists(a) and _GLOB_CHARS & set(a)]
        for arg in args:
            if os.path.isdir(arg):
                self._walk(arg)
            elif not os.path.exists(arg) and _GLOB_CHARS & set(arg):
                for match in sorted(glob.glob(arg, recursive=True)):
                    self._walk(match) if os.path.isdir(match) else self._add(match, named=False)
            else:
                self._add(arg, named=True)  # a missing file is reported as an error, not dropped
        self._expand_archives()

    def _expand_archives(self) -> None:
        """An archive of documents stands for its members (``archive.zip!/member.pdf``), each read as a
        document of its own; one that cannot be listed stays itself, so that reading it says why."""
        from .readers import archive

        files: list[str] = []
        for path in self.files:
            if path in self.refused or not archive.is_archive(path):
                files.append(path)
            else:
                files.extend(archive.expand(path, sizes=self._member_sizes))
        self.files = files

    def merge(self, other: Inputs) -> None:
        """Add the files of ``other`` not already here (by where they really are), with its refusals."""
        for path in other.files:
            real = _real(os.path.abspath(path))
            if real not in self._seen:
                self._seen.add(real)
                self.files.append(path)
                if path in other.refused:
                    self.refused[path] = other.refused[path]
                if path in other._member_sizes:
                    self._member_sizes[path] = other._member_sizes[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self.files)

    def largest_first(self) -> list[str]:
        """The files, the largest first (ties, and the members of one archive, in the order found).

        Several workers finish together when the long documents start first: taken in the order found,
        the batch can end on one worker reading a large file while the others idle.  An archive member
        counts as the size its archive declares for it, so files with the same bytes keep the order found
        (the first found is the one extracted); a file that cannot be looked at, or is refused, counts as
        empty.
        """
        sizes = {p: 0 if p in self.refused else self._member_sizes[p] if p in self._member_sizes else _size(p)
                 for p in self.files}  # (a refused file is not looked at: it fails at once)
        return sorted(self.files, key=lambda p: -sizes[p])

    def __len__(self) -> int:
        return len(self.files)

    def _allowed(self, real: str) -> bool:
        return self.follow_links or any(_inside(real, root) for root in self._roots)

    def _add(self, path: str, *, named: bool, refusal: DecExtractError | None = None) -> None:
        """Count ``path`` once (by where it really is); refuse a link leading out of the inputs."""
        absolute = os.path.abspath(path)
        real = _real(absolute)
        if real in self._seen or any(_inside(real, e) for e in self._excluded):
            return
        self._seen.add(real)
        name = absolute if self.absolute else path
        self.files.append(name)
        if refusal is None and not named and real != absolute and not self._allowed(real):
            refusal = LinkNotFollowedError(f"a link to {shown(real)}, outside the inputs: not followed "
                                           "(--follow-links to follow it)", path=name)
        if refusal is not None:
            self.refused[name] = refusal

    def _walk(self, folder: str) -> None:
        """Add the files under ``folder``, following links to folders as the module docstring says."""
        pending, visited = [folder], set()
        unreadable: list[str] = []
        while pending:
            top = pending.pop(0)
            real_top = _real(top)
            if real_top in visited:
                continue
            visited.add(real_top)
            for root, dirs, files in os.walk(top, onerror=lambda exc: unreadable.append(exc.filename)):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        self._add(os.path.join(root, name), named=False)
                for name in dirs:
                    path = os.path.join(root, name)
                    if os.path.islink(path):  # os.walk does not enter it: decide here
                        self._linked_folder(path, visited, pending)
        for path in unreadable:  # each reported as an error when it is read
            self._add(path, named=False)

    def _linked_folder(self, path: str, visited: set[str], pending: list[str]) -> None:
        """A link to a folder: walked when it stays inside the inputs (a loop back is walked once), else refused."""
        real = _real(path)
        if real in visited:
            return
        if self._allowed(real):
            pending.append(path)
        else:
            self._add(path, named=False, refusal=LinkNotFollowedError(
                f"a link to the folder {shown(real)}, outside the inputs: not walked (--follow-links to walk it)",
                path=path))


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except (OSError, ValueError):  # gone, unreadable, a name the system cannot take
        return 0


def _glob_base(pattern: str) -> str:
    """The folder a glob starts from: its path up to the first part with a wildcard."""
    parts = Path(pattern).parts
    base = []
    for part in parts:
        if _GLOB_CHARS & set(part):
            break
        base.append(part)
    return str(Path(*base)) if base else "."


def discover(paths: Iterable[str | os.PathLike], *, exclude: Collection[str | os.PathLike] = (),
             follow_links: bool = False) -> list[str]:
    """The files named by ``paths`` as absolute paths: files as given, folders walked, globs expanded; each once.

    Hidden files and folders inside walked folders are left out; everything else
    is returned, so that a file decextract cannot read (or will not read: see
    :class:`Inputs`) is reported rather than silently ignored.  Paths in
    ``exclude`` (a batch's own outputs) and anything under them are left out.
    """
    return Inputs(paths, exclude=exclude, follow_links=follow_links).files
