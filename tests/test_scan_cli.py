"""``wsdiag scan`` on the command line: reports, exit codes, bad inputs, parallel and cluster runs."""

from __future__ import annotations

import gzip
import json
import os
import re
from pathlib import Path

import pytest
from conftest import run
from scan_archive import make_archive

SAMPLES = Path(__file__).resolve().parents[1] / "sample_logs"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_archive(tmp_path_factory.mktemp("archive"), lines=8000)


def scan_json(*args: str) -> dict:
    result = run("scan", *args, "--format", "json", "-q")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_report_carries_incidents_in_the_report_schema(archive: Path, tmp_path: Path) -> None:
    report = scan_json(str(archive), "--cache-dir", str(tmp_path), "-j", "1")
    assert report["schema"] == "wsdiag.report/1"
    assert {"inputs", "summary", "findings", "incidents", "overview", "scan"} <= set(report)
    incidents = report["incidents"]
    assert [i["rule"] for i in incidents] == sorted(
        [i["rule"] for i in incidents], key=lambda r: [x["rule"] for x in incidents].index(r)
    )
    starts = [i["start"] for i in incidents]
    assert starts == sorted(starts)
    first = incidents[0]
    assert set(first) >= {"rule", "severity", "start", "end", "count", "keys", "sources", "analyze"}
    # shown relative to the folder given, as analyze shows them
    assert first["sources"] and all((archive / s).is_file() for s in first["sources"])
    assert report["findings"][0]["rule"] in {i["rule"] for i in incidents}


def test_reanalysis_command_finds_the_same_cause(archive: Path, tmp_path: Path) -> None:
    report = scan_json(str(archive), "--cache-dir", str(tmp_path), "-j", "1")
    incident = next(i for i in report["incidents"] if i["rule"] == "backend-unreachable")
    argv = incident["analyze"].split()[1:]
    result = run(*argv, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["findings"][0]["rule"] == "backend-unreachable"


def test_parallel_run_gives_the_same_report(archive: Path, tmp_path: Path) -> None:
    serial = scan_json(str(archive), "--cache-dir", str(tmp_path / "a"), "-j", "1")
    pooled = scan_json(str(archive), "--cache-dir", str(tmp_path / "b"), "-j", "2")
    assert pooled == serial


def test_fail_on_exit_code(archive: Path, tmp_path: Path) -> None:
    args = ["scan", str(archive), "--cache-dir", str(tmp_path), "-j", "1", "-q", "--format", "json"]
    assert run(*args, "--fail-on", "critical").exit_code == 1
    assert run(*args, "--fail-on", "critical", "--only", "stuck-on-polling").exit_code == 0


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_human_reports_name_the_incidents(archive: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"report.{fmt}"
    result = run(
        "scan", str(archive), "--cache-dir", str(tmp_path), "-j", "1", "-q", "--format", fmt, "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    for rule in ("handshake-wrong-router", "backend-unreachable", "upgrade-headers-stripped"):
        assert rule in text
    assert "wsdiag analyze" in text
    if fmt == "html":
        assert text.startswith("<!DOCTYPE html>") and "<svg" in text
        assert "http://" not in text.split("<body>")[0] and "<script" not in text


def test_html_escapes_log_text(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    hostile = "<img src=x onerror=alert(1)>"
    line = (
        '10.0.0.{n} - - [01/Oct/2026:10:00:0{n} +0000] "GET /socket.io/?EIO=4&transport=polling&t=P{n}{h} HTTP/1.1" '
        '502 11 "-" "UA" {n} "chat-ws@docker" "http://172.18.0.9:3000" 1ms'
    )
    log.write_text("".join(line.format(n=n, h=hostile) + "\n" for n in range(1, 6)), encoding="utf-8")
    out = tmp_path / "r.html"
    result = run("scan", str(log), "--no-cache", "-j", "1", "-q", "--format", "html", "-o", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "backend-unreachable" in page
    assert "<img" not in page


def test_bad_inputs_are_reported_and_the_scan_completes(archive: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    whole = (archive / "proxy-a" / "access.log.1.gz").read_bytes()
    (bad / "cut.log.gz").write_bytes(whole[: len(whole) // 2])
    (bad / "notes.log").write_text("hello\nthis is not a log format wsdiag knows\n" * 5, encoding="utf-8")
    (bad / "gone.log").symlink_to(bad / "missing-target.log")
    locked = bad / "locked.log"
    locked.write_bytes(gzip.compress(b"x\n"))
    locked.chmod(0)
    report = scan_json(str(archive), str(bad), "--cache-dir", str(tmp_path / "cache"), "-j", "1")
    by_path = {i["path"]: i for i in report["inputs"]}
    assert "unknown format" in by_path[str(bad / "notes.log")]["error"]
    assert "broken symbolic link" in by_path[str(bad / "gone.log")]["error"]
    assert any("truncated" in n for n in by_path[str(bad / "cut.log.gz")]["notes"])
    assert by_path[str(bad / "cut.log.gz")]["events"] > 0
    if os.geteuid() != 0:  # root reads files without permission
        assert "permission denied" in by_path[str(locked)]["error"]
    assert {i["rule"] for i in report["incidents"]} >= {"handshake-wrong-router", "backend-unreachable"}


def test_nothing_readable_is_exit_2_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "notes.log").write_text("hello\nworld\n", encoding="utf-8")
    result = run("scan", str(tmp_path), "--no-cache", "-j", "1")
    assert result.exit_code == 2
    assert "no input could be read" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args", [["--window", "0m"], ["--window", "soon"], ["--window", "30s"], ["--only", "no-such-rule"]]
)
def test_usage_errors_are_exit_2(archive: Path, tmp_path: Path, args: list[str]) -> None:
    result = run("scan", str(archive), "--cache-dir", str(tmp_path), *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_cluster_unreachable_is_a_usage_error(archive: Path, tmp_path: Path) -> None:
    pytest.importorskip("distributed", reason="the cluster extra (dask[distributed]) is not installed")
    result = run("scan", str(archive), "--cache-dir", str(tmp_path), "--cluster", "tcp://127.0.0.1:9")
    assert result.exit_code == 2
    assert "cannot connect" in result.stderr


def test_local_and_local_cluster_give_identical_reports(archive: Path, tmp_path: Path) -> None:
    """The same work on a Dask LocalCluster (loopback, no dashboard) merges to the same report."""
    distributed = pytest.importorskip(
        "distributed", reason="the cluster extra (dask[distributed]) is not installed"
    )
    local = scan_json(str(archive), "--cache-dir", str(tmp_path / "local"), "-j", "1", "--window", "6h")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        remote = scan_json(
            str(archive),
            "--cache-dir",
            str(tmp_path / "cluster"),
            "--window",
            "6h",
            "--cluster",
            cluster.scheduler_address,
        )
    assert remote == local
    assert remote["incidents"]


def test_unwritable_cache_dir_is_a_usage_error(archive: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = run("scan", str(archive), "--cache-dir", str(blocker / "cache"), "-j", "1")
    assert result.exit_code == 2
    assert "--cache-dir" in result.stderr and "Traceback" not in result.stderr


def test_files_that_cannot_be_parsed_anywhere_are_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every file fails when it is parsed (here: removed after indexing), as when cluster workers cannot
    see the archive: a usage error, not an empty report."""
    from analyzer.errors import NoInputError
    from analyzer.scan import pipeline

    log = tmp_path / "access.log"
    log.write_text(
        '10.0.0.1 - - [01/Oct/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "UA" 1 "web@docker" "http://a" 1ms\n',
        encoding="utf-8",
    )
    real_index = pipeline.index_archive

    def index_then_lose(*args: object, **kw: object) -> object:
        found = real_index(*args, **kw)  # type: ignore[arg-type]
        log.unlink()
        return found

    monkeypatch.setattr(pipeline, "index_archive", index_then_lose)
    with pytest.raises(NoInputError, match="no input could be read"):
        pipeline.scan([str(log)], pipeline.ScanOptions(jobs=1, use_cache=False))


def test_one_line_dated_a_year_early_does_not_plan_a_year_of_windows(tmp_path: Path) -> None:
    """A clock that was wrong once (one line of the recorded capture dated a year earlier) adds one window,
    not the 8,760 hourly windows between that line and the rest; the capture's cause is found as without
    it."""
    recorded = SAMPLES / "traefik-priority-conflict" / "traefik" / "access.log"
    lines = recorded.read_text(encoding="utf-8").splitlines(keepends=True)
    stray = re.sub(r"/(\d{4}):", lambda m: f"/{int(m.group(1)) - 1}:", lines[0], count=1)
    assert stray != lines[0]
    clean, skewed = tmp_path / "clean", tmp_path / "skewed"
    clean.mkdir()
    skewed.mkdir()
    (clean / "access.log").write_text("".join(lines), encoding="utf-8")
    (skewed / "access.log").write_text(stray + "".join(lines), encoding="utf-8")
    before = scan_json(str(clean), "--cache-dir", str(tmp_path / "c1"), "-j", "1")
    after = scan_json(str(skewed), "--cache-dir", str(tmp_path / "c2"), "-j", "1")
    assert after["scan"]["windows"] == before["scan"]["windows"] + 1
    assert [i["rule"] for i in after["incidents"]] == [i["rule"] for i in before["incidents"]]
    assert "handshake-wrong-router" in [i["rule"] for i in after["incidents"]]
