"""``wsdiag scan``: the analysis of ``analyze`` over large archives, in time windows, in parallel.

index.py (files, formats, time ranges, cheaply) → worker.py ``parse_file`` (one file → Parquet parts in the
cache, cache.py) → plan.py (time windows with margins) → worker.py ``analyze_windows`` (a batch of windows → findings, in one pass)
→ incidents.py (contiguous windows → incidents). pipeline.py wires them; runner.py runs the units of work in
a ``spawn`` process pool or on a Dask cluster.

This module imports nothing heavy: spawned workers import it before they are told how many threads polars
may use.
"""
