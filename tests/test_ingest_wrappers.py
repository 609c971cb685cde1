"""Wrappers undone before any format is sniffed (``analyzer/ingest/wrappers.py``, ``shippers.py``).

The pieces are real: excerpts from public tickets (``tests/data/corpus/``, each with its URL in the
manifest), and the expected output of the producers' own tests where no ticket shows the wrapper.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from analyzer.ingest import ReadOptions, load
from analyzer.ingest.reader import split_lines
from analyzer.ingest.shippers import unwrap

CORPUS = "tests/data/corpus/"

#: corpus piece → (wrappers wsdiag must undo, the stream names they carry)
WRAPPED = {
    "traefik-v1__2891-swarm-service-logs-bad-handshake": ({"compose"}, {"proxy.1.goom36mvtfow@ip-10-1-0-20"}),
    "traefik-v1__3586-compose-logs-t-close-1006": ({"compose", "shell-prompt", "timestamps"}, {"traefik"}),
    "traefik-v1__1858-compose-traefik-and-hass": ({"compose"}, {"traefik_1", "hass_1"}),
    "traefik-clf__kite-224-terminal-wrapped-403": ({"terminal-wrap"}, {None}),
    "heroku__fsio-1417-router-gunicorn-engineio": ({"heroku"}, {"app[web.1]", "heroku[router]"}),
    "werkzeug__fsio-1529-bare-pipe-engineio-mixed": ({"pipe"}, {None}),
    "gin__gotify-android-129-quoted": ({"quote"}, {None}),
    "notify-push__62-journald-short-payload-offset": ({"syslog"}, {"notify_push"}),
    "python-logging__fsio-1151-syslog-file": ({"syslog"}, {"dboard"}),
    "eventlet__psio-38-papertrail-heroku": ({"syslog"}, {"app/web.1"}),
    "traefik-v1__2182-docker-cloud-prefix": ({"docker-cloud", "timestamps"}, {"traefik-1"}),
    "traefik-v2-app__4810-four-space-indent": ({"indent"}, {None}),
    "calico__k8s-81710-cri-offset": ({"kubernetes-cri"}, {None}),
    "go-kit-logfmt__grafana-75035-download-logs-txt": ({"grafana"}, {None}),
    "go-log__firehose-180-cf-logs": ({"cf-logs"}, {"APP/PROC/WEB/0"}),
    "daphne__channels-in-docker-3-quoted-compose": ({"quote", "compose"}, {"combinedserver_1"}),
    "nestjs__did-auth-proxy-compose-v2-nginx-mixed": (
        {"compose"},
        {"did-auth-proxy-poc-auth-server-1", "did-auth-proxy-poc-webserver-1"},
    ),
}


@pytest.mark.parametrize("piece", WRAPPED, ids=str)
def test_real_wrappers_are_undone_and_name_their_streams(piece: str) -> None:
    wrappers, streams = WRAPPED[piece]
    inputs = load([f"{CORPUS}{piece}.txt"], ReadOptions()).inputs
    assert wrappers <= {w for i in inputs for w in i.wrappers}
    assert {i.stream for i in inputs} == streams


def test_a_zone_less_wrapper_takes_its_zone_from_the_lines_it_wraps() -> None:
    # journalctl -o short on a UTC+01:00 host: "Mar 12 12:48:48 web3 notify_push[27730]:", the payload
    # "[2021-03-12 12:48:48.087872 +01:00]" carries its offset (notify_push#62)
    (info,) = load([f"{CORPUS}notify-push__62-journald-short-payload-offset.txt"], ReadOptions()).inputs
    events = load([f"{CORPUS}notify-push__62-journald-short-payload-offset.txt"], ReadOptions()).events
    assert events["ts"].min() == datetime(2021, 3, 12, 11, 48, 48, 87872, tzinfo=UTC)
    assert info.first_ts is not None and info.first_ts.year == 2021  # not this year: syslog has none


def test_a_shell_prompt_at_the_top_of_a_paste_is_not_a_log_line() -> None:
    result = load([f"{CORPUS}traefik-v1__3586-compose-logs-t-close-1006.txt"], ReadOptions())
    assert result.events.filter(pl.col("line") == 1).height == 0
    assert all(i.unparsed_lines == 0 for i in result.inputs)


def test_terminal_wrapped_access_lines_are_joined_into_their_records() -> None:
    # a CLF record hard-wrapped at 140 columns over three lines (kite#224)
    events = load([f"{CORPUS}traefik-clf__kite-224-terminal-wrapped-403.txt"], ReadOptions()).events
    assert events.select("line", "status", "router", "upstream").rows() == [
        (1, 403, "websecure-kite-kite-kite-xba-li@kubernetes", "http://10.244.0.41:8080"),
        (4, 403, "websecure-kite-kite-kite-xba-li@kubernetes", "http://10.244.0.41:8080"),
    ]


def _views(text: str) -> list[tuple[list[str], list[str], list[datetime | None]]]:
    lines = split_lines(text.encode(), [])
    return [(v.wrappers, v.lines["text"].to_list(), v.lines["shipper_ts"].to_list()) for v in unwrap(lines)]


def test_logcli_default_output() -> None:
    # the expected output of Loki's own test of `logcli query` (pkg/logcli/output/default_test.go,
    # https://github.com/grafana/loki/blob/main/pkg/logcli/output/default_test.go)
    views = _views('2006-01-02T08:04:05Z {type="test"} Hello\n')
    assert (["logcli"], ["Hello"], [datetime(2006, 1, 2, 8, 4, 5, tzinfo=UTC)]) in views


def test_grafana_download_logs_text() -> None:
    # Grafana's "Download logs" text: meta lines, two blank lines, then "<epoch ms>\t<ISO>\t<line>"
    # (public/app/features/inspector/utils/download.ts and its download.test.ts,
    # https://github.com/grafana/grafana/blob/main/public/app/features/inspector/utils/download.ts)
    text = "testLabel: 1\nsecondTestLabel: 2\n\n\n100\t1970-01-01T00:00:00.100Z\ttestEntry\n"
    wrappers, texts, times = _views(text)[0]
    assert wrappers == ["grafana"]
    assert [t for t in texts if t] == ["testEntry"]
    assert [t for t in times if t] == [datetime(1970, 1, 1, 0, 0, 0, 100000, tzinfo=UTC)]


# -- recorded logs wrapped by the real journald and rsyslog (tests/data/wrapped/README.md) ----------------

WRAPPED_DIR = Path("tests/data/wrapped")
_RECORDED = {
    "healthy-django-daphne": "chat-django",
    "healthy-flask-socketio": "chat-flask",
    "go-upgrade-headers-stripped": "chat-go",
    "healthy-go-gin": "chat-go",
    "flask-wrong-router": "chat-flask",
}
_LAYER = {"journal-json": "journald-json", "rsyslog-rfc5424": "syslog-5424", "journal-cat": None}


@pytest.mark.parametrize(
    "path", sorted(WRAPPED_DIR.glob("*/*/*.log")), ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_wrapped_recordings_read_exactly_like_the_recordings(path: Path) -> None:
    """Every line of the recording comes back with its format, message and — where the line has a time
    of its own — the same UTC time, whatever journald or rsyslog put around it, in whatever zone."""
    scenario = path.parent.name
    original = load([f"sample_logs/{scenario}/backend/{_RECORDED[scenario]}.log"], ReadOptions()).events
    wrapped = load([str(path)], ReadOptions())
    (info,) = wrapped.inputs
    kind = path.name.split(".")[1].removesuffix("-America_New_York").removesuffix("-Europe_Berlin")
    layer = _LAYER.get(kind, "syslog")
    assert info.wrappers == ([layer] if layer else [])
    assert info.unparsed_lines == 0
    assert info.format == original["format"][0]
    events = wrapped.events
    assert events.height == original.height
    # journalctl's short formats print a tab as spaces, and journald drops trailing blanks
    spaces = pl.col("message").str.replace_all(r"\s+", " ").str.strip_chars()
    assert events.select(spaces).to_series().to_list() == original.select(spaces).to_series().to_list()
    own = ~original["ts_estimated"].fill_null(False)
    assert events["ts"].filter(own).to_list() == original["ts"].filter(own).to_list()
