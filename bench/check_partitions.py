"""Check, on a large archive, that windows analysed in one pass find what each window finds alone.

``tests/test_scan_partitions.py`` asserts it on the bundled scenarios and a small generated archive; this
runs the same comparison over every window of a real-sized archive (the benchmark's 30 days: 721
windows) and times both ways:

    python bench/check_partitions.py /tmp/wsdiag-bench/archive-3600000-30-0.45

It scans ARCHIVE once (in this process, its own cache in a temporary folder) to get the windows and
their Parquet parts, then analyses each batch in one pass (``analyze_windows``) and each window alone,
unpartitioned (the test's reference), and prints the windows that differ.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from test_scan_partitions import _alone  # noqa: E402

import analyzer.scan.pipeline as pipeline  # noqa: E402
from analyzer.scan.pipeline import ScanOptions, scan  # noqa: E402
from analyzer.scan.worker import WindowBatch, WindowResult, analyze_windows  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("archive", type=Path)
    args = ap.parse_args()
    batches: list[WindowBatch] = []

    def record(batch: WindowBatch) -> list[WindowResult]:
        batches.append(batch)
        return []

    with tempfile.TemporaryDirectory() as cache:
        pipeline.analyze_windows = record  # the scan only parses and plans: the windows are run below
        scan([str(args.archive)], ScanOptions(cache_dir=Path(cache), jobs=1))
        clock = time.perf_counter()
        together = [result for batch in batches for result in analyze_windows(batch)]
        batched = time.perf_counter() - clock
        clock = time.perf_counter()
        alone = [_alone(task) for batch in batches for task in batch.windows]
        one_by_one = time.perf_counter() - clock
    differ = [a.index for a, b in zip(alone, together, strict=True) if a != b]
    print(f"{len(alone)} windows in {len(batches)} batches")
    print(f"in one pass per batch: {batched:.1f} s; each window alone: {one_by_one:.1f} s (one process)")
    print(f"windows that differ: {len(differ)}" + (f" ({differ[:20]})" if differ else ""))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
