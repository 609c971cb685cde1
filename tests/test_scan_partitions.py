"""Windows analysed together in one pass (the partitioned engine) find exactly what each finds alone.

``analyze_windows`` stacks the rows of a batch of windows, each tagged with its window, and runs
correlation, facts and rules once over all of them. The reference here is the analysis of one window
alone, without a partition column: the code ``wsdiag analyze`` runs. Both run on every window of the
bundled scenarios (all of them put in one batch, so that scenarios recorded with different servers,
proxies and browsers share one pass) and of a generated archive with planted incidents.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from polars.testing import assert_frame_equal
from scan_archive import make_archive

import analyzer.scan.pipeline as pipeline
from analyzer.analysis import AnalyzeOptions, select_rules
from analyzer.cli import cli
from analyzer.correlate import correlate
from analyzer.ingest import InputInfo, ReadOptions, load
from analyzer.model import PARTITION
from analyzer.rules import run_rules
from analyzer.rules.compile import ROW
from analyzer.rules.engine import prepare, run_rules_partitions
from analyzer.rules.schema import Match, Metric, Predicate, Rule, Step
from analyzer.scan import worker
from analyzer.scan.worker import OWNED, WindowBatch, WindowResult, WindowTask, analyze_windows

SAMPLES = Path(__file__).resolve().parents[1] / "sample_logs"


def _tasks(path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, *options: str) -> list[WindowTask]:
    """Every window task of a scan of ``path`` (the scan itself runs as usual)."""
    seen: list[WindowBatch] = []

    def record(batch: WindowBatch) -> list[WindowResult]:
        seen.append(batch)
        return analyze_windows(batch)

    monkeypatch.setattr(pipeline, "analyze_windows", record)
    args = ["scan", str(path), "-j", "1", "-q", "--format", "json", "-o", str(cache / "report.json")]
    result = CliRunner().invoke(cli, [*args, "--cache-dir", str(cache / "cache"), *options])
    assert result.exit_code in (0, 1), result.output
    return sorted((task for batch in seen for task in batch.windows), key=lambda t: t.index)


def _alone(task: WindowTask) -> WindowResult:
    """One window analysed alone, unpartitioned: the analysis of ``wsdiag analyze`` on its rows."""
    result = WindowResult(task.index, task.start, task.end)
    frame = worker.window_rows(task, worker.read_rows(task.parts, *worker._read_range(task)))
    assert PARTITION not in frame.columns
    if frame.height == 0:
        return result
    correlated = correlate(frame, worker._inputs(frame))
    start, end = worker._owned_bounds(task)

    def owned(ts: pl.Expr) -> pl.Expr:
        return ((ts >= pl.lit(start)) & (ts < pl.lit(end))).fill_null(False)

    conns = correlated.connections.with_columns(owned(pl.col("first_ts")).alias(OWNED))
    starts = conns.select("conn_id", pl.col("first_ts").alias("_conn_start"))
    events = (
        correlated.events.join(starts, on="conn_id", how="left", maintain_order="left")
        .with_columns(owned(pl.coalesce("_conn_start", "ts")).alias(OWNED))
        .drop("_conn_start")
    )
    mine = conns.filter(pl.col(OWNED))
    result.events = int(events[OWNED].sum())
    result.connections = mine.height
    result.outcomes = dict(mine["outcome"].value_counts().iter_rows()) if mine.height else {}
    run = run_rules(worker._screened_rules(task.analyze, events), events, conns)
    result.not_concluded = run.not_concluded
    result.findings = [worker._affected(f, events) for f in run.findings]
    return result


def _summary(result: WindowResult) -> list[tuple[str, str, int, int]]:
    return [
        (w.finding.rule, w.finding.severity, w.finding.count, w.finding.affected) for w in result.findings
    ]


def _assert_same(tasks: list[WindowTask]) -> set[str]:
    """Analyse ``tasks`` in one batch and each alone; they must agree on everything. Returns the rules
    that fired (so a test can check it looked at real failures, not only healthy windows)."""
    together = analyze_windows(WindowBatch(tuple(tasks)))
    assert [r.index for r in together] == [t.index for t in tasks]
    fired: set[str] = set()
    for task, batched in zip(tasks, together, strict=True):
        alone = _alone(task)
        assert _summary(batched) == _summary(alone), f"window {task.index} ({task.start})"
        assert batched == alone, f"window {task.index} ({task.start})"
        fired |= {w.finding.rule for w in alone.findings}
    return fired


def test_every_bundled_scenario_in_one_pass_finds_what_each_window_finds_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tasks = _tasks(SAMPLES, tmp_path, monkeypatch, "--window", "5m")
    assert len(tasks) >= 10
    fired = _assert_same(tasks)
    # the scenarios' causes are found in the pass, not only healthy windows compared
    assert {"handshake-wrong-router", "ping-timeout", "sticky-session-missing", "cors-blocked"} <= fired


def test_a_generated_archive_in_one_pass_finds_what_each_window_finds_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = make_archive(tmp_path / "archive", lines=8_000, days=2)
    tasks = _tasks(archive, tmp_path, monkeypatch)
    assert len(tasks) >= 40
    fired = _assert_same(tasks)
    assert {"handshake-wrong-router", "backend-unreachable", "upgrade-headers-stripped"} <= fired


def _shifted(events: pl.DataFrame, to: datetime) -> pl.DataFrame:
    """The scenario's events moved so that its first event is at ``to`` (every scenario then overlaps
    every other: a grouping that forgot the partition mixes them)."""
    first = events["ts"].min()
    if first is None:
        return events
    delta = to - first  # type: ignore[operator]
    return events.with_columns(pl.col("ts") + delta, pl.col("ts_end") + delta)


def _facts(events: pl.DataFrame, conns: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    ev, co = prepare(events, conns)
    return ev.drop(ROW, PARTITION, strict=False), co.drop(ROW, PARTITION, strict=False)


@dataclass
class Simultaneous:
    """Every bundled scenario moved to one start, each beside its first half seven seconds later (as
    overlapping windows see one session: the same sids, request ids and routers, each partition seeing a
    different part of them), as partitions of one table and one by one."""

    names: list[str]
    frames: list[pl.DataFrame]
    inputs: list[list[InputInfo]]

    def stacked(self) -> pl.DataFrame:
        return pl.concat(
            [f.with_columns(pl.lit(i, dtype=pl.UInt32).alias(PARTITION)) for i, f in enumerate(self.frames)]
        )

    def all_inputs(self) -> list[InputInfo]:
        # each scenario's inputs once (its two partitions read the same files)
        return [copy.deepcopy(i) for inputs in self.inputs[::2] for i in inputs]


@pytest.fixture(scope="module")
def simultaneous() -> Simultaneous:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    out = Simultaneous([], [], [])
    for path in sorted(p for p in SAMPLES.iterdir() if p.is_dir()):
        x = load([str(path)], ReadOptions())
        whole = _shifted(x.events, start)
        span = pl.col("ts").max() - pl.col("ts").min()
        half = whole.filter(pl.col("ts") < pl.col("ts").min() + span / 2)
        out.frames += [whole, _shifted(half, start + timedelta(seconds=7))]
        out.names += [path.name, f"{path.name} (first half)"]
        out.inputs += [x.inputs, x.inputs]
    return out


def test_scenarios_made_simultaneous_are_analysed_in_one_pass_as_each_alone(
    simultaneous: Simultaneous,
) -> None:
    """Correlation, facts and the rules per partition equal those of each scenario alone."""
    rules = select_rules(AnalyzeOptions())
    together = correlate(simultaneous.stacked(), simultaneous.all_inputs())
    facts = _facts(together.events, together.connections)
    runs = run_rules_partitions(rules, together.events, together.connections)
    fired: set[str] = set()
    for i, (name, frame) in enumerate(zip(simultaneous.names, simultaneous.frames, strict=True)):
        alone = correlate(frame, [copy.deepcopy(x) for x in simultaneous.inputs[i]])
        mine = pl.col(PARTITION) == i
        assert_frame_equal(together.events.filter(mine).drop(PARTITION), alone.events, check_exact=True)
        assert_frame_equal(together.connections.filter(mine).drop(PARTITION), alone.connections)
        ev, co = _facts(alone.events, alone.connections)
        assert_frame_equal(facts[0].filter(together.events[PARTITION] == i), ev)
        assert_frame_equal(facts[1].filter(together.connections[PARTITION] == i), co)
        run = run_rules(rules, alone.events, alone.connections)
        assert runs[i].findings == run.findings, name
        assert runs[i].not_concluded == run.not_concluded, name
        fired |= {f.rule for f in run.findings}
    assert len(fired) >= 15


def _eq(field: str, value: object) -> Predicate:
    return Predicate(field=field, op="eq", value=value)


def _rule(rule_id: str, match: Match) -> Rule:
    return Rule(
        id=rule_id, title=rule_id, severity="high", sources=("proxy", "backend", "browser"), match=match,
        explanation="{count} at {first_seen} ({n}, {per_router}, {mode_value})", remediation="x", doc={}, path=f"{rule_id}.toml",
    )  # fmt: skip


#: Every match kind and option the rule language has, including those no bundled rule uses yet
#: (absences, sequences, metrics over groups of groups): a user's ``--patterns`` rules use them.
KINDS = [
    _rule("absence", Match(
        kind="absence", key=("sid",), within_ms=20_000,
        steps=(Step("attempt", (_eq("kind", "ws_upgrade"),)), Step("closed", (_eq("kind", "disconnect"),))),
    )),
    _rule("absence-by-router", Match(
        kind="absence", key=("sid",), within_ms=10_000, group_by=("router",),
        steps=(Step("polled", (_eq("transport", "polling"), _eq("status", 200))),
               Step("upgraded", (_eq("kind", "ws_upgrade"),))),
    )),
    _rule("sequence", Match(
        kind="sequence", key=("sid",), within_ms=30_000, group_by=("source",),
        steps=(Step("open", (_eq("transport", "polling"),)), Step("ws", (_eq("transport", "websocket"),))),
    )),
    _rule("over", Match(
        kind="aggregate", group_by=("router", "status"),
        metrics=(Metric(name="n", fn="count"), Metric(name="per_router", fn="sum", field="n", over=("router",))),
        having=(Predicate(field="per_router", op="gte", value=2),),
    )),
    _rule("burst", Match(kind="aggregate", group_by=("client",), within_ms=60_000, min_count=3)),
    _rule("errors", Match(kind="single", where=(Predicate(field="status", op="gte", value=400),))),
    _rule("lifetimes", Match(kind="distribution", value="duration_ms", bin_ms=1000, min_share=0.3, min_count=2)),
    _rule("lifetimes-by-router", Match(
        kind="distribution", value="duration_ms", bin_ms=1000, min_share=0.3, min_count=2, group_by=("router",),
    )),
    _rule("connections", Match(
        kind="aggregate", target="connections", group_by=("outcome",), metrics=(Metric(name="n", fn="count"),),
    )),
]  # fmt: skip


def test_every_match_kind_runs_per_partition_as_alone(simultaneous: Simultaneous) -> None:
    together = correlate(simultaneous.stacked(), simultaneous.all_inputs())
    runs = run_rules_partitions(KINDS, together.events, together.connections)
    fired: set[str] = set()
    for i, (name, frame) in enumerate(zip(simultaneous.names, simultaneous.frames, strict=True)):
        alone = correlate(frame, [copy.deepcopy(x) for x in simultaneous.inputs[i]])
        run = run_rules(KINDS, alone.events, alone.connections)
        assert runs[i].findings == run.findings, name
        fired |= {f.rule for f in run.findings}
    assert fired == {r.id for r in KINDS}
