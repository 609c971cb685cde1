"""HAR 1.2 from Chrome DevTools, Firefox, Playwright and the tools that copy Chrome's keys.

A HAR is one JSON document, read with the standard ``json`` module; entries become rows in a Python loop
(a HAR is a list of objects) and the frame is built once. What each writer puts there
(``../shared/reference/browser.md`` §2, ``real-captures.md``):

- Chrome DevTools (creator ``WebInspector``): ``_resourceType``, ``_initiator``, ``response._error``
  (``net::ERR_…``); a WebSocket entry has ``_webSocketMessages`` ``{type: send|receive|error, time: epoch
  seconds, opcode, data}`` and ``time`` ≈ the socket's lifetime. A failed WebSocket is an ``error`` frame
  (``opcode -1``) whose data is the console's reason; without a handshake response ``status`` is 0.
- Firefox: no frames and no ``_resourceType``; a WebSocket is a ``ws(s)://`` entry, ``status`` 0 when aborted.
- Playwright: frame ``time`` in epoch *milliseconds*; a failed request or handshake is ``status -1`` with
  ``response._failureText``; ``timings`` are -1; bodies may be base64.
- Others (mitmproxy, CDP recorders): frame types ``request``/``response``/``incoming``/``outgoing``, ISO or
  monotonic frame times (monotonic ones are rebased on ``startedDateTime`` and marked estimated).

Events: every HTTP entry is an ``http_request`` (``handshake`` when its body is an Engine.IO open packet,
which gives the ``sid``); every WebSocket entry is a ``ws_upgrade`` plus ``ws_open`` / ``ws_failure``, one
``ws_frame`` summary, ``ws_error`` for later error frames, the Socket.IO packets that matter (``upgrade``,
``connect``, ``connect_error``, ``disconnect``) and ``ws_close`` at the end the HAR saw (HARs carry no
close frames or codes). ``status`` 0 means no response (Playwright's -1 too); a 0 whose error says
``Unexpected response code: N`` becomes N. Request ids come from ``X-Request-Id`` / ``X-Correlation-Id``
/ ``traceparent``; ``Via``, ``Server`` and ``Sec-WebSocket-*`` go to ``attrs``. Bodies are never copied,
except small Socket.IO polling bodies, read for their packets.

``line`` is where the entry starts in a pretty-printed HAR (all writers we know indent), found from the
entries' indentation without re-parsing; 1 for a one-line HAR. ``raw`` is a one-line synopsis of the entry
(``GET wss://… 101 Switching Protocols``), not its JSON.

A file that is not JSON raises :class:`~analyzer.errors.InputError` with the line where it breaks; a cut
HAR keeps the complete entries before the cut (and after a damaged one) with a note.
"""

from __future__ import annotations

import re

import polars as pl

from analyzer.parsers.base import Document, ParseContext, Parser, ParseResult
from analyzer.parsers.browser import har_entries, har_load
from analyzer.parsers.browser import har_values as v


class Har(Parser):
    name = "har"
    source = "browser"
    description = "HAR 1.2 (Chrome DevTools with WebSocket frames, Firefox, Playwright, …)"

    def sniff(self, sample: list[str]) -> float:
        if not sample or not sample[0].lstrip().startswith("{"):
            return 0.0
        head = "\n".join(sample)
        if not re.search(r'"log"\s*:\s*\{', head):
            return 0.0
        return 0.95 if re.search(r'"(?:version|creator|entries|pages)"\s*:', head) else 0.3

    def parse(self, doc: Document, ctx: ParseContext) -> ParseResult:
        text, repaired = har_load.repair_cut_lines(doc.lines)
        loaded = har_load.load(text, doc.lines["line"])
        del text
        starts = loaded.lines or har_load.entry_lines(doc.lines, len(loaded.entries))
        rows = har_entries.Rows()
        pages = har_load.pages(loaded.log)
        writer = str(v.obj(loaded.log.get("creator")).get("name") or "")
        skipped = 0
        for index, (entry, line) in enumerate(zip(loaded.entries, starts, strict=True)):
            if isinstance(entry, dict):
                rows.entry = index
                har_entries.add_entry(rows, entry, line, pages, writer)
            else:
                skipped += 1
        notes = [f"HAR written by {loaded.creator}"] if loaded.creator else []
        if repaired:
            notes.append(
                f"{repaired} body line(s) longer than 1 MiB were cut on reading; their bodies were dropped"
            )
        if skipped:
            notes.append(f"{skipped} entr{'y' if skipped == 1 else 'ies'} of log.entries are not objects")
        notes.extend(loaded.notes)
        return ParseResult(rows.frame(), pl.Series("line", loaded.unparsed, dtype=pl.UInt32), notes)
