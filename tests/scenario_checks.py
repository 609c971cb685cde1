"""Checks shared by the live capture test and the bundled ``sample_logs/`` test.

A recorded scenario folder holds files whose source is known from where they sit; whatever wsdiag reads
today must be read as that source with no unparsed line. Files no parser claims yet are reported, not
failed: the parsers for them are written on other branches, and these checks tighten by themselves as
each one lands.
"""

from __future__ import annotations

import json
from pathlib import Path

from analyzer.ingest import Ingested, InputInfo, ReadOptions, load

#: Expected source of each file of a scenario folder, by its place in the folder.
SOURCE_BY_FOLDER = {
    "traefik": "proxy", "nginx": "proxy", "haproxy": "proxy", "caddy": "proxy", "backend": "backend", "browser": "browser", "config": "config",
}  # fmt: skip
ACCESS_FORMATS = {"common": "traefik-clf", "json": "traefik-json"}
#: The format of each proxy log file other than Traefik's access log (whose format the scenario names).
PROXY_FORMATS = {
    "nginx/access.log": "nginx-access",
    "nginx/error.log": "nginx-error",
    "haproxy/haproxy.log": "haproxy-http",
    "caddy/access.log": "caddy-json",
    "caddy/caddy.log": "caddy-json",
    "traefik/traefik.log": "traefik-app",
}


def scenario_meta(folder: Path) -> dict:
    return json.loads((folder / ".scenario.json").read_text())


def read_scenario(folder: Path) -> Ingested:
    return load([str(folder)], ReadOptions())


def relpath(info: InputInfo, folder: Path) -> str:
    if info.location is None and not Path(info.path).is_absolute():
        return Path(info.path).as_posix()  # not opened (an empty file): shown relative to the folder
    return Path(info.location or info.path).resolve().relative_to(folder.resolve()).as_posix()


def check_inputs(folder: Path, ingested: Ingested) -> list[str]:
    """Assert what is read is read right; return the files no parser reads yet (for the test's output)."""
    meta = scenario_meta(folder)
    unread = []
    for info in ingested.inputs:
        rel = relpath(info, folder)
        expected_source = SOURCE_BY_FOLDER[rel.split("/", 1)[0]]
        if rel == "traefik/access.log":
            expected = ACCESS_FORMATS[meta["access_log_format"]]
            # the JSON access-log parser is written on another branch: until it lands the file is unread
            if expected == "traefik-json" and info.format is None:
                unread.append(rel)
                continue
            assert info.format == expected, (
                f"{rel}: read as {info.format!r} ({info.error}), expected {expected}"
            )
            assert info.unparsed_lines == 0, (
                f"{rel}: {info.unparsed_lines} unparsed, e.g. {info.unparsed_examples}"
            )
            assert info.events > 0
            continue
        if info.format is None and (folder / rel).stat().st_size == 0:
            continue  # an empty file (nginx's error log when nothing went wrong) holds nothing to read
        if info.format is None:
            unread.append(rel)
            continue
        if rel in PROXY_FORMATS:
            assert info.format == PROXY_FORMATS[rel], f"{rel}: read as {info.format!r}"
        assert info.source == expected_source, (
            f"{rel}: read as {info.format} ({info.source}), expected {expected_source}"
        )
        if rel != "browser/chrome_debug.log":  # Chromium's own noise lines may rightly stay unparsed
            assert info.unparsed_lines == 0, (
                f"{rel} ({info.format}): {info.unparsed_lines} unparsed lines, e.g. {info.unparsed_examples}"
            )
    return unread
