"""What log shippers, viewers and paste boxes put around log lines, as data.

Each :class:`Prefix` is one layer a tool writes before every line, read with one regex whose named groups
say what the layer carries: ``rest`` (the line it wraps, required), ``ts`` (its time), ``stream`` (the
service, unit, task or container the line came from) and ``part`` (``P`` for a partial line that the next
one continues). :mod:`analyzer.ingest.shippers` strips the layers that most lines carry, outermost first.
Sources, per layer:

- ``docker compose logs`` (``svc-1  | ``; v1 ``name_1  | ``), ``docker service logs``
  (``svc.1.taskid@node    | ``, and ``| `` alone with ``--no-task-ids --no-trunc`` variants):
  docker/cli ``cli/command/service/logs.go`` (``%s    |``) and compose ``pkg/compose/printer.go``;
  Docker Cloud's ``[name-1]`` prefix;
- ``kubectl logs --prefix``: ``[pod/name/container] `` (kubectl ``logs.go``);
- ``docker logs -t`` / ``kubectl logs --timestamps``: RFC 3339 with nanoseconds, then a space;
- Kubernetes CRI log files (``/var/log/pods/…``): ``<RFC3339Nano> stdout|stderr F|P <line>``
  (kubernetes ``pkg/kubelet/kuberuntime/logs/logs.go``: ``P`` marks a partial line);
- Docker Desktop's log view, copied: ``2024-04-10 21:04:27 `` in the viewer's local time (no zone);
- syslog: RFC 3164 (``<PRI>Mmm dd hh:mm:ss host tag[pid]: ``, no year, no zone; also the layout
  ``/var/log/syslog`` and ``journalctl -o short`` / ``short-precise`` write), RFC 3339 timestamps
  (rsyslog's ``RSYSLOG_FileFormat``, ``journalctl -o short-iso`` / ``short-iso-precise``), RFC 5424
  (``<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG``), ``journalctl -o short-full`` (``Wed 2024-04-10
  21:04:27 CEST host …``) and ``short-unix`` (epoch seconds) — systemd ``src/shared/logs-show.c``;
- Loki's ``logcli query`` default output: ``<RFC 3339> {labels}  <line>`` (loki ``pkg/logcli/output/default.go``);
- Grafana's "Download logs" as text: ``<epoch ms>\\t<ISO 8601>\\t<line>`` after ``label: value`` header
  lines (Grafana 9+), or ``YYYY-MM-DD HH:mm:ss.SSS\\t<line>`` in the browser's zone (older releases)
  (grafana ``public/app/features/inspector/utils/download.ts``);
- pastes from issue trackers and chats: ``> `` quote marks, line numbers, a common indentation.

JSON envelopes (Docker's json-file driver, ``journalctl -o json``, ``logcli -o jsonl``, Grafana's JSON
download) are decoded in :mod:`analyzer.ingest.shippers` itself: their keys, not a regex, say what they carry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

#: How a layer's time reads: with its zone, as a wall time in ``--tz`` (``naive``), or as a syslog time
#: without a year (``yearless``, also read in ``--tz``); epoch seconds carry their zone.
TimeKind = Literal["zoned", "naive", "yearless", "epoch_s", "epoch_ms"]

_RFC3339: Final = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:?\d\d)"
#: ``host tag[pid]: `` — the colon is followed by a space (a zerolog caller ``wrr.go:196`` is not a tag)
_HOST_TAG: Final = r"\S+ (?P<stream>[^\s:\[\]]+)(?:\[\d+\])?:(?: |$)"


@dataclass(frozen=True)
class Prefix:
    """One layer a tool writes before each line (see the module's docstring)."""

    name: str
    pattern: str
    #: How ``ts`` reads; None when the layer carries no time.
    time: TimeKind | None = None
    #: Share of the sampled non-blank lines that must carry the layer before it is stripped.
    quorum: float = 0.8
    #: A payload can start with the same shape (a log line starting with its own ISO time): the file is
    #: read both with and without the layer stripped, and the reading parsers recognize best wins.
    ambiguous: bool = False
    #: Lines the tool writes itself (a banner, export headers): dropped when the layer is stripped.
    header: str | None = None


PREFIXES: Final[tuple[Prefix, ...]] = (
    # -- multiplexers of several services: the name tells the stream ------------------------------------
    Prefix(
        "compose",
        r"^(?P<stream>[A-Za-z0-9][A-Za-z0-9_.@-]*)\s*\| ?(?P<rest>.*)$",
        # compose adds "Attaching to …" and a few status lines without a prefix
        quorum=0.5,
        header=r"^(?:Attaching to |Gracefully stopping|Stopping |Aborting on container exit|\S+ exited with code )",
    ),
    # a bare "| " (docker service logs copied without its task column): a record's continuation lines
    # (pretty-printed headers) may lack it
    Prefix("pipe", r"^\s*\| ?(?P<rest>.*)$", quorum=0.5),
    Prefix("kubectl-prefix", r"^\[(?P<stream>pod/[^\]\s]+)\] (?P<rest>.*)$", quorum=0.5),
    Prefix("docker-cloud", r"^\[(?P<stream>[A-Za-z0-9][\w.]*(?:-[\w.]+)*-\d+)\] ?(?P<rest>.*)$", quorum=0.5),
    # -- time-stamping collectors -----------------------------------------------------------------------
    Prefix(
        "kubernetes-cri",
        rf"^(?P<ts>{_RFC3339}) (?:stdout|stderr) (?P<part>[FP]) ?(?P<rest>.*)$",
        time="zoned",
    ),
    Prefix(
        "logcli",
        rf"^(?P<ts>{_RFC3339}) (?P<labels>\{{[^{{}}]*\}})\s+(?P<rest>.*)$",
        time="zoned",
    ),
    Prefix(
        "grafana",
        r"^\d{1,16}\t(?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)\t(?P<rest>.*)$",
        time="zoned",
        header=r'^[\w .()-]+: (?:".*"|[\d.]+|true|false|null|\{.*\}|\[.*\])$',
    ),
    # lines copied from Grafana's logs panel: the time in the browser's zone with its offset, a tab
    Prefix("grafana", rf"^(?P<ts>{_RFC3339})\t(?P<rest>.*)$", time="zoned"),
    Prefix(
        "grafana",
        r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})\t(?P<rest>.*)$",
        time="naive",
        header=r'^[\w .()-]+: (?:".*"|[\d.]+|true|false|null|\{.*\}|\[.*\])$',
    ),
    Prefix(
        "syslog-5424",
        r"^<\d{1,3}>1 (?P<ts>\S+) \S+ (?P<stream>\S+) \S+ \S+ (?:-|(?:\[(?:[^\]\\\"]|\\.|\"(?:[^\"\\]|\\.)*\")*\])+) \ufeff? ?(?P<rest>.*)$",
        time="zoned",
    ),
    Prefix("syslog", rf"^(?:<\d{{1,3}}>)?(?P<ts>{_RFC3339}) {_HOST_TAG}(?P<rest>.*)$", time="zoned"),
    # RFC 3164 ends the tag with any non-alphanumeric character, usually ":" or "[", sometimes a space
    Prefix(
        "syslog",
        r"^(?:<\d{1,3}>)?(?P<ts>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d{1,6})?) \S+ "
        r"(?P<stream>[^\s:\[\]]+)(?:\[\d+\])?:? (?P<rest>.*)$",
        time="yearless",
    ),
    # RFC 3164 as a program sends it over the network, before a syslog daemon adds the host: HAProxy's
    # default ``log-format legacy``, ``<PRI>Mmm dd hh:mm:ss tag[pid]: `` (HAProxy manual, "log … format")
    Prefix(
        "syslog-legacy",
        r"^<\d{1,3}>(?P<ts>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (?P<stream>[^\s:\[\]]+)\[\d+\]: (?P<rest>.*)$",
        time="yearless",
    ),
    # Heroku's logplex (``heroku logs``, log drains): ``<RFC 3339> <source>[<dyno>]: `` (no host)
    Prefix("heroku", rf"^(?P<ts>{_RFC3339}) (?P<stream>[a-z][\w-]*\[[\w.-]+\]): (?P<rest>.*)$", time="zoned"),
    # Cloud Foundry ``cf logs``: ``<RFC 3339, ±hhmm> [APP/PROC/WEB/0] OUT|ERR ``
    Prefix(
        "cf-logs",
        rf"^(?P<ts>{_RFC3339}) \[(?P<stream>[A-Z][\w-]*(?:/[\w.-]+)*)\] (?:OUT|ERR) (?P<rest>.*)$",
        time="zoned",
    ),
    Prefix(
        "journal-short-full",
        rf"^(?P<ts>[A-Z][a-z]{{2}} \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{{1,6}})? [A-Za-z+\-0-9]{{1,6}}) {_HOST_TAG}(?P<rest>.*)$",
        time="naive",
    ),
    Prefix("journal-short-unix", rf"^(?P<ts>\d{{9,10}}\.\d{{6}}) {_HOST_TAG}(?P<rest>.*)$", time="epoch_s"),
    Prefix("journal-short-monotonic", rf"^\[\s*\d+\.\d{{6}}\] {_HOST_TAG}(?P<rest>.*)$"),
    # -- a time alone before the line: the payload may start the same way ----------------------------------
    # (both readings are tried, so half the lines suffice)
    Prefix("timestamps", rf"^(?P<ts>{_RFC3339}) (?P<rest>.*)$", time="zoned", quorum=0.5, ambiguous=True),
    Prefix(
        "docker-desktop",
        r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (?P<rest>.*)$",
        time="naive",
        quorum=0.5,
        ambiguous=True,
    ),
)

#: The shell command a paste starts with (``user@host:~$ docker compose logs -f traefik``): not a log line.
PROMPT: Final = (
    r"^(?:[\w.-]+@[\w.-]+(?:[: ]\S*)?\s?[$#%]|[$#%>]|PS [A-Z]:\\\S*>)\s*(?:sudo\s+)?"
    r"(?:docker(?:-compose)?|kubectl|k|oc|podman|journalctl|tail|cat|less|grep|zcat|logcli|heroku|cf|eb|npm|yarn|node"
    r"|python3?|flask|uvicorn|gunicorn|daphne|go|traefik|systemctl|sudo)\b"
)
#: npm's run-script banner, ``> name@1.0.0 start /path`` (the next ``> `` line is the command it runs).
NPM_BANNER: Final = r"^> [\w@./-]+@\d+\.\d+\.\d+\S* [\w:.-]+(?: \S.*)?$"
#: Paste marks, stripped before any tool's layer: ``> `` quotes (nested too).
QUOTE: Final = Prefix("quote", r"^ {0,3}> ?(?P<rest>.*)$")
#: Line numbers pasted with the lines (``12 ``, ``12: ``, ``12 | ``); stripped only when they count up.
LINE_NUMBERS: Final = Prefix(
    "line-numbers", r"^ {0,6}(?P<n>\d{1,6})(?:\s*[:|]\s?|\.\s|\t| {1,4})(?P<rest>.*)$"
)

#: Keys of ``journalctl -o json`` records naming where a line came from, best first.
JOURNAL_STREAM_KEYS: Final = ("CONTAINER_NAME", "SYSLOG_IDENTIFIER", "_SYSTEMD_UNIT", "_COMM")
#: Loki / Grafana labels naming where a line came from, best first.
LABEL_STREAM_KEYS: Final = ("container", "container_name", "service_name", "app", "job", "pod", "unit")
