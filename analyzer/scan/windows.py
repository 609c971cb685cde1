"""Cached window results: a window whose inputs did not change is not analysed again.

A window's result depends on the rows it reads — the cache identities of the Parquet parts it reads —,
on the rules (their files' content, ``--only`` / ``--disable``), on the options that change the analysis
(``--since`` / ``--until``, redaction), on the window's geometry and on the analysis code. The key hashes
all of them; the result is stored as JSON (never pickle: a cache folder may be shared).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer import __version__
from analyzer.findings import Evidence, Finding
from analyzer.scan.cache import checksum, code_digest, touch
from analyzer.scan.worker import WindowFinding, WindowResult

if TYPE_CHECKING:
    from analyzer.rules import Rule
    from analyzer.scan.worker import WindowTask

_FOLDER = "windows"


def rules_digest(rules: list[Rule]) -> str:
    """A hash of the selected rules' definitions (their files' content)."""
    digest = hashlib.sha256()
    for rule in sorted(rules, key=lambda r: r.id):
        digest.update(rule.id.encode())
        try:
            digest.update(Path(rule.path).read_bytes())
        except OSError:
            digest.update(repr(rule.match).encode())
    return digest.hexdigest()[:16]


def window_key(task: WindowTask, part_keys: list[str], rules: str) -> str:
    """The key of one window's result (see the module doc)."""
    options = task.analyze
    words = [
        code_digest("analyse"),
        rules,
        str(task.index),
        str(task.end - task.start),
        str(task.margin),
        str(task.lookahead),
        repr(options.since),
        repr(options.until),
        str(options.redact),
        *sorted(part_keys),
    ]
    return hashlib.sha256("\x1f".join(words).encode()).hexdigest()[:32]


#: Bump when the layout of a stored result changes.
_FORMAT = 1


class WindowCache:
    """Window results under ``<cache>/windows/``, each stored with its key and a checksum of its content."""

    def __init__(self, root: Path) -> None:
        self.root = root / _FOLDER
        #: Results found damaged in this run (key → why): they are analysed again.
        self.damaged: dict[str, str] = {}

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def load(self, key: str, paths: dict[str, str]) -> WindowResult | None:
        """The stored result, verified and its file paths renamed to what they are called now.

        ``paths`` maps a file's cache key to its path today: the key of a window does not depend on file
        names (logrotate renames every numbered file each night), so its result may name old ones. A
        result whose checksum, key or shape is wrong (edited, swapped with another, cut short) is a miss,
        recorded in :attr:`damaged`.
        """
        path = self._path(key)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._damaged(key, f"unreadable ({exc.strerror})")
            return None
        except UnicodeDecodeError:  # garbage bytes in place of the JSON
            self._damaged(key, "malformed (not UTF-8)")
            return None
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("format") != _FORMAT:
                self._damaged(key, "written by another version of wsdiag")
                return None
            if data.get("key") != key or data.get("checksum") != checksum(data):
                self._damaged(key, "does not match its checksum or its key")
                return None
            result = result_from_json(data["result"])
            renamed = {old: paths[k] for old, k in data["files"].items() if k in paths and paths[k] != old}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            self._damaged(key, f"malformed ({type(exc).__name__})")
            return None
        if renamed:
            _rename(result, renamed)
        touch(path)
        return result

    def _damaged(self, key: str, reason: str) -> None:
        self.damaged[key] = reason
        self._path(key).unlink(missing_ok=True)

    def store(self, key: str, result: WindowResult, files: dict[str, str]) -> None:
        """Keep ``result``; ``files`` maps paths to their cache keys (see :meth:`load`): those the result
        shows are kept with it.

        Written to a private temporary file, flushed to disk, then renamed into place: a reader sees the
        old result or the new one, never half of one.
        """
        path = self._path(key)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        data = {
            "format": _FORMAT,
            "version": __version__,
            "code": code_digest("analyse"),
            "key": key,
            "files": {path: files[path] for path in sorted(_shown_paths(result)) if path in files},
            "result": result_to_json(result),
        }
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".tmp-{os.getpid()}-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({**data, "checksum": checksum(data)}, fh)
                fh.flush()
                os.fsync(fh.fileno())
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _shown_paths(result: WindowResult) -> set[str]:
    """The file paths a result names (those :func:`_rename` renames)."""
    paths: set[str] = set()
    for wf in result.findings:
        paths.update(wf.sources)
        paths.update(e.path for e in wf.finding.evidence if e.path)
    return paths


def _rename(result: WindowResult, renamed: dict[str, str]) -> None:
    for wf in result.findings:
        wf.sources = sorted(renamed.get(s, s) for s in wf.sources)
        wf.finding.evidence = [replace(e, path=renamed.get(e.path, e.path)) for e in wf.finding.evidence]


def result_to_json(result: WindowResult) -> dict[str, Any]:
    """A window result as plain JSON values."""
    return _plain(asdict(result))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$ts": value.isoformat()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _revive(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$ts"}:
            return datetime.fromisoformat(value["$ts"])
        return {k: _revive(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_revive(v) for v in value]
    return value


def result_from_json(data: dict[str, Any]) -> WindowResult:
    """The inverse of :func:`result_to_json`."""
    data = _revive(data)
    findings = []
    for wf in data.pop("findings"):
        f = wf.pop("finding")
        f["evidence"] = [Evidence(**e) for e in f["evidence"]]
        findings.append(WindowFinding(finding=Finding(**f), **wf))
    data["not_concluded"] = [tuple(item) for item in data["not_concluded"]]
    return WindowResult(**data, findings=findings)
