"""What a probe is asked to do and what it found: options, steps, the result."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from analyzer.findings import Finding

Mode = Literal["auto", "socketio", "websocket"]
Outcome = Literal["ok", "failed", "warning", "skipped"]


@dataclass(frozen=True)
class ProbeOptions:
    """``wsdiag probe`` options (see the command's help)."""

    url: str
    #: Engine.IO path (``--path``); None: ``/socket.io/``.
    path: str | None = None
    eio: Literal[3, 4] = 4
    mode: Mode = "auto"
    headers: tuple[tuple[str, str], ...] = ()
    insecure: bool = False
    #: Seconds one step may wait for an answer.
    timeout: float = 10.0
    #: Seconds the whole probe may take (``--max-time``); steps that do not fit are skipped.
    max_time: float = 60.0
    #: Requests and WebSocket connections the probe may open in all.
    max_requests: int = 40
    #: ``--resolve HOST:PORT:ADDRESS`` pairs, as curl takes them.
    resolve: tuple[tuple[str, int, str], ...] = ()
    origin: str | None = None
    #: ``--hold``: seconds to keep an idle WebSocket open and time the cut.
    hold: float | None = None
    #: ``--payload-size``: bytes of one message sent on a session of its own.
    payload_size: int | None = None
    #: ``--repeat``: how many sessions (handshake, POST, poll) to run.
    repeat: int = 1
    #: Wait for (v4) or send (v3) one heartbeat on the WebSocket.
    heartbeat: bool = True


@dataclass
class Step:
    """One exchange with the server: what was sent, what came back, and what it means."""

    name: str
    title: str
    outcome: Outcome
    sent: str = ""
    received: str = ""
    status: int | None = None
    #: Response headers that tell who answered (Server, X-Powered-By, Content-Type, Via, …).
    headers: dict[str, str] = field(default_factory=dict)
    elapsed_ms: float | None = None
    detail: str = ""
    #: The catalog rule this step's failure is evidence of.
    rule: str | None = None
    at: datetime | None = None


@dataclass
class LogsSeen:
    """``--with-logs DIR``: the analysis of the logs written while the probe ran."""

    path: str
    #: Log lines that carry the probe's request ids or ``t`` values (the probe's own requests, as logged).
    marked_lines: int
    #: Findings of that analysis (root causes first).
    findings: list[Finding] = field(default_factory=list)
    #: Why the logs could not be read, if they could not.
    error: str | None = None


@dataclass
class ProbeResult:
    """A probe run: the steps in order and the findings their failures prove."""

    url: str
    mode: Literal["socketio", "websocket"]
    eio: int | None
    started: datetime
    finished: datetime
    steps: list[Step] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    #: Requests and WebSocket connections opened.
    requests: int = 0
    #: Why the probe stopped early (time limit, request limit), if it did.
    stopped: str | None = None
    #: The target could not be reached at all (no answer, no rule): the command exits 2.
    unreachable: bool = False
    #: What the probe's requests carry: ``X-Request-Id: wsdiag-probe-<run_id>-<n>``, ``t=wsdiag<run_id><n>``.
    run_id: str = ""
    #: ``--with-logs``: what the logs written during the probe say.
    logs: LogsSeen | None = None
    #: The Engine.IO sessions the probe opened (to find them in the logs: ``wsdiag timeline --key SID``).
    sids: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Every step that ran passed."""
        return all(s.outcome in ("ok", "skipped") for s in self.steps) and not self.findings

    @property
    def failed_step(self) -> Step | None:
        """The first step that failed."""
        return next((s for s in self.steps if s.outcome == "failed"), None)
