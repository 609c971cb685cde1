"""What could not be read is said in every report and in the verdict; misuse gets one line and exit 2.

The permission cases run wsdiag as an unprivileged user (root reads everything): they need root, ``useradd``
and ``runuser``, and a Python that user may execute, and are skipped elsewhere.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import cli
from analyzer.ingest import load
from analyzer.ingest.discover import discover

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "sample_logs" / "backend-unreachable"
USER = "wsdiag-test"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


# -- special files and links ---------------------------------------------------------------------------


def test_a_named_pipe_on_the_command_line_is_refused_at_once_not_waited_on(tmp_path):
    fifo = tmp_path / "live.log"
    os.mkfifo(fifo)
    outcome: list[tuple[int, str, str]] = []
    worker = threading.Thread(target=lambda: outcome.append(_run("analyze", str(fifo))), daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert outcome, "wsdiag blocked on the FIFO"
    code, _, stderr = outcome[0]
    assert code == 2
    assert stderr.count("\n") == 1 and "wsdiag: error: no input could be read" in stderr
    assert f"{fifo}: a named pipe (FIFO), not a regular file" in stderr


def test_a_file_swapped_for_a_pipe_after_listing_is_refused_not_blocking(tmp_path, monkeypatch):
    import analyzer.ingest as ingest

    (tmp_path / "a.log").write_text("x\n")
    real = ingest.discover

    def list_then_swap(paths, **options):
        found = real(paths, **options)
        (tmp_path / "a.log").unlink()
        os.mkfifo(tmp_path / "a.log")
        return found

    monkeypatch.setattr("analyzer.ingest.discover", list_then_swap)
    result = load([str(tmp_path)])
    assert [(i.error, i.unread) for i in result.inputs] == [
        ("a named pipe (FIFO), not a regular file (to read a stream, pipe it to `-`)", True)
    ]


def test_links_inside_the_folder_are_read_once_links_out_of_it_only_when_asked(tmp_path):
    root = tmp_path / "logs"
    (root / "proxy").mkdir(parents=True)
    (root / "proxy" / "access.log").write_text("x\n")
    (root / "current.log").symlink_to(root / "proxy" / "access.log")
    (tmp_path / "secret.log").write_text("y\n")
    (root / "stolen.log").symlink_to(tmp_path / "secret.log")
    (root / "elsewhere").symlink_to(tmp_path, target_is_directory=True)

    found = discover([str(root)])
    assert [f.display for f in found.files] == ["current.log"]  # the same file as proxy/access.log
    assert sorted(found.problems) == [
        (
            "elsewhere/",
            "symbolic link to a path outside the folder given: not followed (--follow-symlinks follows it)",
        ),
        (
            "stolen.log",
            "symbolic link to a path outside the folder given: not followed (--follow-symlinks follows it)",
        ),
    ]
    followed = discover([str(root)], follow_symlinks=True)
    assert "stolen.log" in [f.display for f in followed.files] and not followed.problems


def test_follow_symlinks_on_the_command_line(tmp_path):
    root = tmp_path / "logs"
    root.mkdir()
    (tmp_path / "access.log").write_text(
        (SAMPLE / "traefik" / "access.log").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (root / "access.log").symlink_to(tmp_path / "access.log")
    code, _, stderr = _run("events", str(root), "--format", "jsonl")
    assert code == 2 and "not followed" in stderr
    code, out, _ = _run("events", str(root), "--format", "jsonl", "--follow-symlinks")
    assert code == 0 and out.count("\n") == 56  # every line of the access log


# -- unreadable paths, as a user who cannot read them -------------------------------------------------


def _unprivileged_python() -> list[str]:
    """A command running this checkout's wsdiag as an unprivileged user, or skip."""
    runuser, useradd = shutil.which("runuser"), shutil.which("useradd")
    if os.geteuid() != 0 or not runuser or not useradd:
        pytest.skip("needs root with runuser and useradd to act as an unprivileged user")
    if subprocess.run(["id", USER], capture_output=True).returncode != 0:
        subprocess.run([useradd, "--no-create-home", USER], check=True, capture_output=True)
    site = next(p for p in sys.path if p.endswith("site-packages"))
    # the interpreter this suite runs may live under /root; the system one of the same version does not
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for python in (sys.executable, shutil.which(version, path="/usr/local/bin:/usr/bin:/bin")):
        if not python:
            continue
        probe = subprocess.run(
            [runuser, "-u", USER, "--", python, "-c", "import polars, click, rich"],
            env={"PYTHONPATH": f"{ROOT}:{site}", "PATH": "/usr/bin:/bin"},
            capture_output=True,
        )
        if probe.returncode == 0:
            return [runuser, "-u", USER, "--", "env", f"PYTHONPATH={ROOT}:{site}", python, "-m", "analyzer"]
    pytest.skip("no Python the unprivileged user can run with this checkout's packages")


@pytest.fixture(scope="module")
def unreadable_proxy() -> Iterator[Path]:
    # pytest's own temporary folders are private to root: this one the test user can enter
    base = Path(tempfile.mkdtemp(prefix="wsdiag-gap-"))
    base.chmod(0o755)
    root = base / "capture"
    shutil.copytree(SAMPLE, root)
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    (root / "traefik").chmod(0o000)
    (base / "caches").mkdir()
    (base / "caches").chmod(0o777)
    yield root
    (root / "traefik").chmod(0o755)
    shutil.rmtree(base)


@pytest.mark.parametrize("command", ["analyze", "scan"])
@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "html"])
def test_an_unreadable_folder_is_named_in_the_verdict_of_every_format(unreadable_proxy, command, fmt):
    wsdiag = _unprivileged_python()
    extra = (
        ["--cache-dir", str(unreadable_proxy.parent / "caches" / fmt), "-j", "1"] if command == "scan" else []
    )
    done = subprocess.run(
        [*wsdiag, command, str(unreadable_proxy), "--format", fmt, *extra],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    sentence = "traefik/ could not be read (permission denied): the diagnosis lacks the proxy."
    if fmt == "json":
        assert json.loads(done.stdout)["gaps"] == [sentence]
    elif fmt == "markdown":
        assert sentence.replace("/", "/").replace("(", "\\(").replace(")", "\\)") in done.stdout
    else:
        assert sentence in " ".join(done.stdout.split()).replace("&#x27;", "'")
    if command == "analyze" and fmt == "text":
        # the verdict (what a person reads first) carries it, among its warnings
        assert "could not be read" in "\n".join(done.stdout.splitlines()[:40])


# -- misuse: one line, exit 2 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--tz", "Mars/Olympus_Mons"], "unknown time zone 'Mars/Olympus_Mons'"),
        (
            ["--since", "2026-11-25T12:00:00", "--until", "2026-11-25T10:00:00"],
            "(2026-11-25 12:00:00 UTC) is after --until",
        ),
        (
            ["-o", "/nonexistent-folder/report.txt"],
            "the folder /nonexistent-folder does not exist",
        ),
    ],
    ids=["unknown --tz", "--since after --until", "-o into a missing folder"],
)
def test_misuse_of_analyze_is_one_line_and_exit_2(args, says):
    code, _, stderr = _run("analyze", str(SAMPLE), *args)
    assert code == 2
    assert stderr.startswith("wsdiag: error: ") and stderr.count("\n") == 1, stderr
    assert says in stderr


def test_output_into_a_read_only_folder_is_a_user_error(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o555)
    code, _, stderr = _run("analyze", str(SAMPLE), "-o", str(folder / "r.txt"))
    assert code == 2 and "cannot write there" in stderr


@pytest.mark.parametrize("window", ["0h", "0m", "-1h", "soon"])
def test_a_window_that_is_not_a_duration_is_a_user_error(tmp_path, window):
    code, _, stderr = _run("scan", str(SAMPLE), "--window", window, "--cache-dir", str(tmp_path))
    assert code == 2 and stderr.startswith("wsdiag: error: ") and stderr.count("\n") == 1, stderr
    assert "--window" in stderr


def test_output_onto_a_full_device_is_one_line_and_exit_2(tmp_path):
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("needs root to mount a tiny tmpfs")
    device = tmp_path / "tiny"
    device.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", str(device)]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        code, _, stderr = _run("analyze", str(SAMPLE), "--format", "html", "-o", str(device / "report.html"))
    finally:
        subprocess.run(["umount", "-l", str(device)])
    assert code == 2
    assert stderr.splitlines()[-1].startswith("wsdiag: error: ") and "No space left on device" in stderr
    assert "internal error" not in stderr


def test_mentions_in_log_values_do_not_notify_anyone_from_a_markdown_report():
    from analyzer.report.safe import md_inline, md_prose

    # a router, a user agent or an error message may carry @names; GitHub would notify those users
    assert md_inline("error from @octocat and @org/team") == "error from @\u2060octocat and @\u2060org/team"
    assert md_prose("ping @octocat, see `@code`") == "ping @\u2060octocat, see `@code`"
    assert md_inline("chat@docker") == "chat@docker"  # part of a word: no mention


def test_the_scan_page_forbids_fetching_and_running_anything(tmp_path):
    out = tmp_path / "scan.html"
    code, _, _ = _run(
        "scan", str(SAMPLE), "--format", "html", "-o", str(out), "-j", "1", "--cache-dir", str(tmp_path / "c")
    )
    page = out.read_text(encoding="utf-8")
    assert code == 0
    policy = page.split('http-equiv="Content-Security-Policy" content="')[1].split('"')[0]
    assert policy.startswith("default-src 'none'; style-src 'sha256-") and "script-src" not in policy
    assert "<script" not in page
