"""Turn the paths a user gives into an ordered list of files, rotated siblings grouped oldest first."""

from __future__ import annotations

import os
import re
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
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)


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


def discover(paths: list[str]) -> Discovery:
    """Expand files, folders (recursively, following symlinks once) and ``-`` into ordered file refs."""
    found = Discovery()
    # one folder given: show paths relative to it (traefik/access.log), as a user reads its layout
    single_root = Path(paths[0]) if len(paths) == 1 and Path(paths[0]).is_dir() else None
    for given in paths:
        if given == STDIN:
            found.files.append(FileRef("<stdin>", None, "<stdin>", (0, "")))
            continue
        path = Path(given)
        if path.is_dir():
            found.files.extend(_walk(path, found, relative_to=single_root))
        elif path.exists():
            name_group, order = rotation_key(path.name)
            found.files.append(FileRef(given, path, str(path.parent / name_group), order))
        elif path.is_symlink():
            found.problems.append((given, "broken symbolic link"))
        else:
            found.problems.append((given, "no such file or directory"))
    found.files = _ordered(found.files)
    return found


def _walk(root: Path, found: Discovery, *, relative_to: Path | None = None) -> list[FileRef]:
    refs: list[FileRef] = []
    seen: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=None):
        try:
            st = Path(dirpath).stat()
        except OSError as exc:
            found.problems.append((dirpath, exc.strerror or str(exc)))
            dirnames[:] = []
            continue
        if (st.st_dev, st.st_ino) in seen:  # a symlink loop or a second way into the same folder
            dirnames[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "node_modules")
        for name in sorted(filenames):
            if _SKIP_NAME.match(name):
                continue
            full = Path(dirpath) / name
            if not full.is_file():
                if full.is_symlink() and not full.exists():
                    found.problems.append((str(full), "broken symbolic link"))
                continue
            group, order = rotation_key(name)
            display = str(full.relative_to(relative_to)) if relative_to is not None else str(full)
            refs.append(FileRef(display, full, str(Path(dirpath) / group), order))
    return refs


def _ordered(refs: list[FileRef]) -> list[FileRef]:
    """Keep the user's order of groups; inside a rotation group, oldest file first."""
    first_seen: dict[str, int] = {}
    for i, ref in enumerate(refs):
        first_seen.setdefault(ref.group, i)
    unique = {ref.display: ref for ref in refs}.values()
    return sorted(unique, key=lambda r: (first_seen[r.group], r.order))
