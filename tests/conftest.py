"""Shared helpers: read text as wsdiag would, and run the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from analyzer.cli import cli
from analyzer.ingest import InputInfo, ReadOptions, load

if TYPE_CHECKING:
    import polars as pl
    from click.testing import Result

DATA = Path(__file__).parent / "data"


def data_lines(relpath: str, *, skip_comments: bool = True) -> list[str]:
    """The lines of a file under tests/data, without the `# source:` header lines."""
    text = (DATA / relpath).read_text(encoding="utf-8")
    return [ln for ln in text.splitlines() if not (skip_comments and ln.startswith("# "))]


def source_block(path: Path, source: str) -> str:
    """The lines of a file of public pastes that follow the ``# source:`` comment naming ``source``, up to
    the next such comment."""
    out: list[str] = []
    taking = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# source:"):
            taking = source in line
            continue
        if taking:
            out.append(line)
    assert out, source
    return "\n".join(out) + "\n"


def read_text(
    tmp_path: Path, text: str | bytes, *, name: str = "input.log", **options: object
) -> tuple[pl.DataFrame, InputInfo]:
    """Write ``text`` to a file and read it through the whole ingest stage; return events and its input."""
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    result = load([str(path)], ReadOptions(**options))  # type: ignore[arg-type]
    infos = [i for i in result.inputs if i.path == str(path)]
    assert len(infos) == 1, infos
    return result.events, infos[0]


def sample_pieces(folder: Path, *, proxies: int, backend_step: int, size: int, upto: int) -> None:
    """Cut recorded sample logs into small files in ``folder``: the first ``upto`` lines of the first
    ``proxies`` Traefik access logs and of every ``backend_step``-th backend log, ``size`` lines a file."""
    samples = Path(__file__).resolve().parent.parent / "sample_logs"
    sources = sorted(samples.glob("*/traefik/access.log"))[:proxies]
    sources += sorted(samples.glob("*/backend/*.log"))[::backend_step]
    for n, source in enumerate(sources):
        lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
        for i in range(0, min(len(lines), upto), size):
            (folder / f"s{n:02d}-{i:02d}.log").write_text("".join(lines[i : i + size]), encoding="utf-8")


def run(*args: str, input: str | bytes | None = None) -> Result:
    """Invoke ``wsdiag ARGS`` in-process."""
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
