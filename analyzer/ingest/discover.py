"""Turn the paths a user gives into an ordered list of files, rotated siblings grouped oldest first.

Only regular files are read. A named pipe, a device or a socket would block the read or never end: it is
reported and skipped, also when named on the command line (``-`` reads standard input). A symbolic link
inside a folder is followed only while it stays inside the folder given, unless ``follow_symlinks``
(``--follow-symlinks``): a link to ``/proc/self/environ`` or ``~/.aws`` in a collected folder must not end
up in a report. Whatever cannot be listed or used is reported with the reason, never silently dropped.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

#: Names skipped inside folders (never when the user names the file): hidden files, editor and
#: package-manager leftovers, and documentation that sits beside logs in a collected folder.
_SKIP_NAME = re.compile(
    r"""^(?:\..*|.*~|\#.*\#|.*\.(?:swp|swo|swx|bak|orig|rej|tmp|md|rst|png|jpe?g|gif|svg|pdf|pyc))$""",
    re.IGNORECASE,
)
_COMPRESSED = re.compile(r"\.(?:gz|bz2|xz|zst)$", re.IGNORECASE)
# logrotate numbering (access.log.1, access.log.2.gz) and date suffixes (access.log-20240101[.gz],
# access.log.2024-01-01, access-2024-01-01.log).
_NUMBERED = re.compile(r"^(?P<base>.+)\.(?P<n>\d{1,4})$")
_DATED = re.compile(r"^(?P<base>.+?)[.-](?P<date>\d{4}-?\d{2}-?\d{2}(?:[-_T]?\d{2,6})?)(?P<ext>\.log)?$")

STDIN = "-"


@dataclass(frozen=True)
class FileRef:
    """One input file: how to show it, where to read it, and its rotation group."""

    display: str
    path: Path | None  # None for stdin
    group: str
    order: tuple[int, str]

    @property
    def is_stdin(self) -> bool:
        return self.path is None


@dataclass
class Discovery:
    """The files found under the given paths, and the paths that could not be used."""

    files: list[FileRef] = field(default_factory=list)
    #: (path as shown, reason): each one a gap in what the analysis saw.
    problems: list[tuple[str, str]] = field(default_factory=list)


def rotation_key(name: str) -> tuple[str, tuple[int, str]]:
    """Return (group name, sort key) so that rotated siblings sort oldest first.

    >>> rotation_key("access.log.2.gz")
    ('access.log', (-2, ''))
    >>> rotation_key("access.log")
    ('access.log', (1000000000000, ''))
    """
    stem = _COMPRESSED.sub("", name)
    m = _NUMBERED.match(stem)
    if m and not re.search(r"\d$", m.group("base")):
        return m.group("base"), (-int(m.group("n")), "")
    m = _DATED.match(stem)
    if m:
        digits = re.sub(r"\D", "", m.group("date"))
        return m.group("base") + (m.group("ext") or ""), (int(digits[:8]), digits)
    # the live file is the newest of its group
    return stem, (10**12, "")


def special_kind(mode: int) -> str | None:
    """What a file that is not a regular file or a folder is (``a named pipe``), or None."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def not_regular(kind: str) -> str:
    """The reason a special file is skipped."""
    return f"{kind}, not a regular file (to read a stream, pipe it to `-`)"


def discover(paths: list[str], *, follow_symlinks: bool = False) -> Discovery:
    """Expand files, folders (recursively) and ``-`` into ordered file refs (see the module doc)."""
    found = Discovery()
    # one folder given: show paths relative to it (traefik/access.log), as a user reads its layout
    single_root = Path(paths[0]) if len(paths) == 1 and Path(paths[0]).is_dir() else None
    for given in paths:
        if given == STDIN:
            found.files.append(FileRef("<stdin>", None, "<stdin>", (0, "")))
            continue
        path = Path(given)
        try:
            mode = path.stat().st_mode  # a link the user names is followed: they asked for it
        except FileNotFoundError:
            reason = "broken symbolic link" if path.is_symlink() else "no such file or directory"
            found.problems.append((given, reason))
            continue
        except OSError as exc:
            found.problems.append((given, _reason(exc)))
            continue
        if stat.S_ISDIR(mode):
            walker = _Walk(path, found, relative_to=single_root, follow_symlinks=follow_symlinks)
            found.files.extend(walker.run())
        elif stat.S_ISREG(mode):
            name_group, order = rotation_key(path.name)
            found.files.append(FileRef(given, path, str(path.parent / name_group), order))
        else:
            found.problems.append((given, not_regular(special_kind(mode) or "not a regular file")))
    found.files = _ordered(found.files)
    return found


def _reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    return (exc.strerror or str(exc)).lower()


class _Walk:
    """One folder given by the user, walked recursively."""

    def __init__(
        self, root: Path, found: Discovery, *, relative_to: Path | None, follow_symlinks: bool
    ) -> None:
        self.root = root
        self.real_root = os.path.realpath(root)
        self.found = found
        self.relative_to = relative_to
        self.follow = follow_symlinks
        self.seen_dirs: set[tuple[int, int]] = set()
        self.seen_files: set[tuple[int, int]] = set()

    def show(self, path: Path, *, folder: bool = False) -> str:
        shown = str(path.relative_to(self.relative_to)) if self.relative_to is not None else str(path)
        if shown == ".":  # the folder given itself
            shown = str(path)
        return f"{shown.rstrip(os.sep)}{os.sep}" if folder else shown

    def problem(self, path: Path, reason: str, *, folder: bool = False) -> None:
        self.found.problems.append((self.show(path, folder=folder), reason))

    def leaves(self, path: Path) -> bool:
        """Whether ``path`` (a symbolic link) resolves outside the folder given."""
        target = os.path.realpath(path)
        return target != self.real_root and not target.startswith(self.real_root.rstrip(os.sep) + os.sep)

    def run(self) -> list[FileRef]:
        refs: list[FileRef] = []
        for dirpath, dirnames, filenames in os.walk(self.root, followlinks=True, onerror=self.unlistable):
            folder = Path(dirpath)
            try:
                st = folder.stat()
            except OSError as exc:
                self.problem(folder, _reason(exc), folder=True)
                dirnames[:] = []
                continue
            if (
                st.st_dev,
                st.st_ino,
            ) in self.seen_dirs:  # a symlink loop or a second way into the same folder
                dirnames[:] = []
                continue
            self.seen_dirs.add((st.st_dev, st.st_ino))
            kept = []
            for name in sorted(dirnames):
                if name.startswith(".") or name == "node_modules":
                    continue
                sub = folder / name
                if sub.is_symlink() and not self.follow and self.leaves(sub):
                    self.problem(sub, _LEAVES, folder=True)
                    continue
                kept.append(name)
            dirnames[:] = kept
            for name in sorted(filenames):
                if not _SKIP_NAME.match(name):
                    ref = self.file(folder, name)
                    if ref is not None:
                        refs.append(ref)
        return refs

    def unlistable(self, exc: OSError) -> None:
        """``os.walk``'s error hook: a folder that cannot be listed is a gap, not nothing."""
        self.problem(Path(exc.filename or self.root), _reason(exc), folder=True)

    def file(self, folder: Path, name: str) -> FileRef | None:
        full = folder / name
        try:
            link = full.is_symlink()
            if link and not self.follow and self.leaves(full):
                self.problem(full, _LEAVES)
                return None
            st = full.stat()
        except FileNotFoundError:
            self.problem(full, "broken symbolic link" if full.is_symlink() else "vanished while listed")
            return None
        except OSError as exc:
            self.problem(full, _reason(exc))
            return None
        kind = special_kind(st.st_mode)
        if kind is not None:
            self.problem(full, not_regular(kind))
            return None
        if stat.S_ISDIR(st.st_mode):  # a link to a folder inside the walk: os.walk enters it itself
            return None
        if (st.st_dev, st.st_ino) in self.seen_files:  # a link to a file already listed
            return None
        self.seen_files.add((st.st_dev, st.st_ino))
        group, order = rotation_key(name)
        return FileRef(self.show(full), full, str(folder / group), order)


_LEAVES = "symbolic link to a path outside the folder given: not followed (--follow-symlinks follows it)"


def _ordered(refs: list[FileRef]) -> list[FileRef]:
    """Keep the user's order of groups; inside a rotation group, oldest file first."""
    first_seen: dict[str, int] = {}
    for i, ref in enumerate(refs):
        first_seen.setdefault(ref.group, i)
    unique = {ref.display: ref for ref in refs}.values()
    return sorted(unique, key=lambda r: (first_seen[r.group], r.order))
