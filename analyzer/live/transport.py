"""The probe's connections: HTTP requests (httpx) and WebSockets (websockets), within a budget.

Every request carries an ``X-Request-Id`` of the form ``wsdiag-probe-<run>-<n>`` and the Engine.IO ``t``
parameter ``wsdiag<run><n>``, so the probe's own requests are recognisable in the proxy's and the
backend's logs. A ``--resolve`` entry (or a ``*.localhost`` name, which RFC 6761 reserves for loopback)
sends the request to that address while ``Host`` and TLS SNI keep the name given.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import httpx
from websockets.exceptions import InvalidHandshake, InvalidMessage, InvalidStatus, WebSocketException
from websockets.sync.client import ClientConnection, connect

from analyzer import __version__
from analyzer.live.answers import Answer

USER_AGENT = f"wsdiag-probe/{__version__}"
_BODY_LIMIT = 64 * 1024


class BudgetSpent(Exception):
    """The probe's time or request limit is reached: the remaining steps are skipped."""


class NetworkError(Exception):
    """No HTTP answer at all: DNS, refused, reset, timeout, TLS. ``kind`` names which."""

    def __init__(self, kind: str, message: str, *, tls: ssl.SSLError | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.tls = tls


@dataclass
class Budget:
    """A deadline and a number of connections; each request takes one."""

    max_time: float
    max_requests: int
    started: float = field(default_factory=time.monotonic)
    used: int = 0

    def remaining(self) -> float:
        return self.max_time - (time.monotonic() - self.started)

    def take(self, *, needs: float = 0.5) -> None:
        """Count one more connection, or raise :class:`BudgetSpent`."""
        if self.used >= self.max_requests:
            raise BudgetSpent(f"request limit of {self.max_requests} reached")
        if self.remaining() < needs:
            raise BudgetSpent(f"time limit of {self.max_time:g} s reached")
        self.used += 1


@dataclass
class Client:
    """HTTP and WebSocket access to one origin (scheme, host, port) under one budget and cookie jar."""

    base: str
    budget: Budget
    timeout: float
    insecure: bool = False
    headers: tuple[tuple[str, str], ...] = ()
    resolve: tuple[tuple[str, int, str], ...] = ()
    run_id: str = field(default_factory=lambda: secrets.token_hex(3))
    counter: int = 0

    def __post_init__(self) -> None:
        parts = urlsplit(self.base)
        self.secure = parts.scheme in ("https", "wss")
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if self.secure else 80)
        self.ssl_context = ssl.create_default_context()
        if self.insecure:
            self.ssl_context.check_hostname = False
            self.ssl_context.verify_mode = ssl.CERT_NONE
        self.address = self._address()
        self.http = httpx.Client(
            verify=self.ssl_context,
            trust_env=False,
            follow_redirects=False,
            timeout=self.timeout,
            # a new connection per request, as a browser's pending long-poll makes it: a balancer that
            # pins connections (a Node cluster) must be seen spreading one session
            limits=httpx.Limits(max_keepalive_connections=0),
        )

    def close(self) -> None:
        self.http.close()

    def _address(self) -> str | None:
        for host, port, address in self.resolve:
            if host.lower() == self.host.lower() and port in (self.port, 0):
                return address
        if self.host.lower().endswith(".localhost") or self.host.lower() == "localhost":
            return "127.0.0.1"
        return None

    def next_ids(self) -> tuple[str, str]:
        """The next request's ``X-Request-Id`` and Engine.IO ``t``."""
        self.counter += 1
        return f"wsdiag-probe-{self.run_id}-{self.counter}", f"wsdiag{self.run_id}{self.counter}"

    def _physical(self, url: str) -> str:
        """The URL with its host replaced by the resolved address (Host and SNI keep the name)."""
        if not self.address:
            return url
        parts = urlsplit(url)
        netloc = f"{self.address}:{self.port}" if ":" not in self.address else f"[{self.address}]:{self.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))

    def request(
        self,
        method: str,
        url: str,
        *,
        request_id: str,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[Answer, float]:
        """One HTTP request; its answer (the body cut at 64 KiB) and milliseconds taken."""
        self.budget.take()
        sent = {"User-Agent": USER_AGENT, "X-Request-Id": request_id, **dict(self.headers), **(headers or {})}
        extensions: dict[str, object] = {}
        if self.address:
            sent["Host"] = urlsplit(url).netloc
            if self.secure:
                extensions["sni_hostname"] = self.host
        timeout = max(0.5, min(self.timeout, self.budget.remaining()))
        began = time.monotonic()
        try:
            with self.http.stream(
                method,
                self._physical(url),
                content=content,
                headers=sent,
                timeout=timeout,
                extensions=extensions,
            ) as resp:
                body = b""
                for chunk in resp.iter_bytes():
                    body += chunk
                    if len(body) >= _BODY_LIMIT:
                        break
                self._keep_cookies(resp)
                answer = Answer(resp.status_code, {k.lower(): v for k, v in resp.headers.items()}, body)
        except httpx.TimeoutException:
            raise NetworkError("timeout", f"no answer within {timeout:.1f} s") from None
        except httpx.TransportError as exc:
            raise _network_error(exc) from None
        return answer, (time.monotonic() - began) * 1000

    def _keep_cookies(self, resp: httpx.Response) -> None:
        # cookies are kept by the name given, not the address the request went to
        if self.address:
            for name, value in resp.cookies.items():
                self.http.cookies.set(name, value)

    def cookie_header(self) -> str | None:
        """The cookies the server set so far (sticky-session affinity), as a ``Cookie`` header."""
        pairs = [f"{c.name}={c.value}" for c in self.http.cookies.jar]
        return "; ".join(pairs) or None

    @contextlib.contextmanager
    def websocket(
        self, url: str, *, request_id: str, origin: str | None = None
    ) -> Iterator[tuple[ClientConnection, float]]:
        """An open WebSocket (and milliseconds the upgrade took); raises :class:`UpgradeRefused` on a non-101."""
        self.budget.take()
        headers = [("X-Request-Id", request_id), *self.headers]
        cookie = self.cookie_header()
        if cookie:
            headers.append(("Cookie", cookie))
        timeout = max(0.5, min(self.timeout, self.budget.remaining()))
        began = time.monotonic()
        try:
            sock = socket.create_connection((self.address or self.host, self.port), timeout=timeout)
        except socket.gaierror as exc:
            raise NetworkError("dns", f"cannot resolve {self.host}: {exc.strerror}") from None
        except TimeoutError:
            raise NetworkError("timeout", f"no TCP connection within {timeout:.1f} s") from None
        except OSError as exc:
            raise NetworkError(
                "connect", f"cannot connect to {self.host}:{self.port}: {exc.strerror}"
            ) from None
        opened = False
        try:
            with connect(
                url,
                sock=sock,
                ssl=self.ssl_context if self.secure else None,
                server_hostname=self.host if self.secure else None,
                origin=origin,  # type: ignore[arg-type]
                additional_headers=headers,
                user_agent_header=USER_AGENT,
                open_timeout=timeout,
                ping_interval=None,
                close_timeout=2,
                max_size=None,
                compression=None,
                proxy=None,
            ) as ws:
                opened = True
                yield ws, (time.monotonic() - began) * 1000
        except InvalidStatus as exc:
            if opened:
                raise
            resp = exc.response
            answer = Answer(
                resp.status_code, {k.lower(): v for k, v in resp.headers.raw_items()}, bytes(resp.body or b"")
            )
            raise UpgradeRefused(answer, (time.monotonic() - began) * 1000) from None
        except TimeoutError:
            if opened:
                raise
            sock.close()
            raise NetworkError("timeout", f"the upgrade got no answer within {timeout:.1f} s") from None
        except (InvalidMessage, EOFError) as exc:
            if opened:
                raise
            sock.close()
            raise NetworkError("closed", f"the connection closed before an answer ({exc})") from None
        except ssl.SSLError as exc:
            if opened:
                raise
            sock.close()
            raise NetworkError("tls", f"TLS: {exc.reason or exc}", tls=exc) from None
        except (InvalidHandshake, WebSocketException, OSError) as exc:
            if opened:
                raise
            sock.close()
            raise NetworkError("closed", f"the upgrade failed: {exc}") from None


class UpgradeRefused(Exception):
    """The server answered a WebSocket upgrade with something else than 101."""

    def __init__(self, answer: Answer, elapsed_ms: float) -> None:
        super().__init__(f"{answer.status}")
        self.answer = answer
        self.elapsed_ms = elapsed_ms


def _network_error(exc: httpx.TransportError) -> NetworkError:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return NetworkError(
                "tls", f"TLS: {getattr(cause, 'verify_message', None) or cause.reason or cause}", tls=cause
            )
        if isinstance(cause, socket.gaierror):
            return NetworkError("dns", f"cannot resolve the host: {cause.strerror}")
        if isinstance(cause, ConnectionRefusedError):
            return NetworkError("connect", "connection refused")
        cause = cause.__cause__ or cause.__context__
    text = str(exc) or type(exc).__name__
    if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return NetworkError("dns", f"cannot resolve the host: {text}")
    if "CERTIFICATE_VERIFY_FAILED" in text or "SSL" in text:
        return NetworkError("tls", f"TLS: {text}")
    if isinstance(exc, httpx.RemoteProtocolError):
        return NetworkError("closed", f"the connection closed before an answer ({text})")
    return NetworkError("connect", text)
