"""NestJS ConsoleLogger: locale timestamps, v6/v8 layouts, the +Nms suffix, stacks, JSON mode."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from backend_helpers import read_at, row, sample_text, utc

if TYPE_CHECKING:
    from pathlib import Path

NEST = "[Nest] 4120  - {ts}     LOG [EventsGateway] Client connected: wZX3oN0bSVIhsaknAAAI +3ms\n"


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        pytest.param("11/27/2025, 10:15:32 AM", "2025-11-27T10:15:32", id="en-US"),
        pytest.param("11/27/2025, 10:15:32\u202fPM", "2025-11-27T22:15:32", id="en-US-node20-narrow-space"),
        pytest.param("7/2/2025, 12:05:09 AM", "2025-07-02T00:05:09", id="en-US-unpadded-midnight"),
        pytest.param("27/11/2025, 10:15:32", "2025-11-27T10:15:32", id="en-GB"),
        pytest.param("27.11.2025, 10:15:32", "2025-11-27T10:15:32", id="de"),
        pytest.param("2023/05/07 10:20:41", "2023-05-07T10:20:41", id="ja"),
        pytest.param("2025-11-27, 10:15:32", "2025-11-27T10:15:32", id="en-CA"),
        pytest.param("27-11-2025 10:15:32", "2025-11-27T10:15:32", id="nl"),
        pytest.param("11/27/25, 10:15:32 AM", "2025-11-27T10:15:32", id="two-digit-year"),
    ],
)
def test_locale_timestamps(tmp_path: Path, stamp: str, expected: str) -> None:
    events, info = read_at(tmp_path, NEST.format(ts=stamp))
    assert info.format == "nestjs-text"
    event = row(events, 1)
    assert event["ts"] == utc(expected)
    assert (event["level"], event["logger"], event["message"]) == (
        "info",
        "EventsGateway",
        "Client connected: wZX3oN0bSVIhsaknAAAI",
    )
    assert (event["kind"], event["socket_id"]) == ("connect", "wZX3oN0bSVIhsaknAAAI")


# Printed by Node 20's Intl.DateTimeFormat(locale, {year: "numeric", month: "2-digit", day: "2-digit",
# hour: "numeric", minute: "numeric", second: "numeric"}) — ConsoleLogger's options — for 2025-11-27 01:15:32
# (and 13:15:32 where the marker differs); full-ICU builds write 오전/오후 where this one wrote AM.
NODE_INTL = {
    "en-US": "11/27/2025, 1:15:32 AM",
    "en-GB": "27/11/2025, 01:15:32",
    "de-DE": "27.11.2025, 01:15:32",
    "ja-JP": "2025/11/27 1:15:32",
    "zh-CN": "2025/11/27 01:15:32",
    "zh-TW": "2025/11/27 上午1:15:32",
    "ko-KR": "2025. 11. 27. AM 1:15:32",
    "ko-KR-full-icu-pm": "2025. 11. 27. 오후 1:15:32",
    "fr-FR": "27/11/2025 01:15:32",
    "nl-NL": "27-11-2025, 01:15:32",
    "en-CA": "2025-11-27, 1:15:32 a.m.",
    "hi-IN": "27/11/2025, 1:15:32 am",
    "ru-RU": "27.11.2025, 01:15:32",
    "sv-SE": "2025-11-27 01:15:32",
    "es-ES": "27/11/2025, 1:15:32",
    "tr-TR": "27.11.2025 01:15:32",
}


@pytest.mark.parametrize("locale", NODE_INTL)
def test_every_node_locale_layout(tmp_path: Path, locale: str) -> None:
    events, info = read_at(tmp_path, NEST.format(ts=NODE_INTL[locale]))
    assert (info.format, info.unparsed_lines) == ("nestjs-text", 0)
    expected = "2025-11-27T13:15:32" if locale.endswith("-pm") else "2025-11-27T01:15:32"
    assert row(events, 1)["ts"] == utc(expected)
    assert not row(events, 1)["ts_estimated"]


def test_day_month_order_is_decided_per_file(tmp_path: Path) -> None:
    """03/04 alone is ambiguous; a later 13/04 in the same file makes every line day-first."""
    text = NEST.format(ts="03/04/2025, 10:00:00") + NEST.format(ts="13/04/2025, 10:00:00")
    events, _ = read_at(tmp_path, text)
    assert events["ts"].to_list() == [utc("2025-04-03T10:00:00"), utc("2025-04-13T10:00:00")]


def test_ambiguous_dates_say_how_they_were_read(tmp_path: Path) -> None:
    events, info = read_at(tmp_path, NEST.format(ts="03/04/2025, 10:00:00 AM"))
    assert row(events, 1)["ts"] == utc("2025-03-04T10:00:00")
    assert any("month/day" in note for note in info.notes)


def test_times_follow_tz_and_the_report_says_so(tmp_path: Path) -> None:
    events, info = read_at(tmp_path, NEST.format(ts="27.11.2025, 10:15:32"), tz="Europe/Berlin")
    assert row(events, 1)["ts"] == utc("2025-11-27T09:15:32")
    assert info.tz == "Europe/Berlin"
    assert any("Europe/Berlin" in note for note in info.notes)


def test_levels_and_stack_folding(tmp_path: Path) -> None:
    events, info = read_at(tmp_path, sample_text("nestjs-v8_en-US_gateway.log"))
    assert info.unparsed_lines == 0
    error = row(events, 14)
    assert (error["level"], error["logger"], error["kind"], error["close_code"], error["error_name"]) == (
        "error",
        "WsExceptionsHandler",
        "ws_error",
        1009,
        "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH",
    )
    assert error["raw"].splitlines()[1:] == [
        "RangeError: Max payload size exceeded",
        "    at Receiver.getData (/app/node_modules/ws/lib/receiver.js:388:27)",
        "    at Receiver.startLoop (/app/node_modules/ws/lib/receiver.js:159:22)",
    ]
    assert 15 not in events["line"].to_list()
    assert row(events, 20)["level"] == "warn"
    assert (row(events, 20)["kind"], row(events, 20)["reason"]) == ("disconnect", "ping timeout")
    not_found = row(events, 21)
    assert (not_found["kind"], not_found["status"], not_found["method"], not_found["transport"]) == (
        "http_request",
        404,
        "GET",
        "polling",
    )
    # the interleaved engine.io debug lines are read by the same parser
    assert row(events, 10)["error_name"] == "TRANSPORT_MISMATCH"
    assert row(events, 12)["sid"] == "Qm1x2Yz3AbCdEfGhAAAD"


def test_elapsed_suffix_is_not_part_of_the_message(tmp_path: Path) -> None:
    events, _ = read_at(tmp_path, sample_text("nestjs-v6_issue2619_exceptionfilter.log"))
    event = row(events, 1)
    assert event["message"] == "GET /socket.io/?EIO=3&transport=polling&t=MmEj_jv"
    assert (event["ts"], event["logger"], event["attrs"]) == (
        utc("2019-07-20T15:00:34"),
        "ExceptionFilter",
        '{"pid":7968}',
    )
    assert (event["kind"], event["eio"], event["t"]) == ("http_request", 3, "MmEj_jv")


def test_verbose_is_nest_lowest_level(tmp_path: Path) -> None:
    text = "[Nest] 1  - 2023/05/07 10:20:41 VERBOSE [WsAdapter] ping\n[Nest] 1  - 2023/05/07 10:20:41   FATAL [App] down\n"
    events, _ = read_at(tmp_path, text)
    assert events["level"].to_list() == ["trace", "fatal"]


def test_json_mode(tmp_path: Path) -> None:
    text = (
        sample_text("nestjs_docs-cn_json-logger.log")
        + '{"level":"error","pid":19096,"timestamp":1607370780000,"message":"Max payload size exceeded",'
        '"context":"WsExceptionsHandler","stack":["RangeError: Max payload size exceeded\\n    at Receiver.getData (receiver.js:1:1)"]}\n'
    )
    events, info = read_at(tmp_path, text)
    assert info.format == "nestjs-json"
    start = row(events, 1)
    assert (start["ts"], start["level"], start["logger"], start["message"]) == (
        utc("2020-12-07T19:52:59.834"),
        "info",
        "NestFactory",
        "Starting Nest application...",
    )
    assert '"pid":"19096"' in start["attrs"]
    error = row(events, 2)
    assert (error["level"], error["kind"], error["close_code"]) == ("error", "ws_error", 1009)
    assert "receiver.js" in error["message"]
    assert info.tz is None  # epoch times carry their zone
