"""What backend parsers share: the line-layout engine, the layouts, and what backend messages mean.

- :mod:`.engine` — :class:`~.engine.LineParser`: a backend format is a list of line layouts (``Shape``)
  read in vectorised passes, multi-line records folded, times read and undated records placed.
- :mod:`.shapes` — the layouts of every runtime (Node, Python, Go), as data.
- :mod:`.signatures` — message wordings → kind, engine.io codes, reasons, close codes; extractors; levels.
- :mod:`.classify` — walks those tables over a ``message`` column.
- :mod:`.jsonlog` — pino / winston / NestJS JSON / zap-style objects into the same records.
"""
