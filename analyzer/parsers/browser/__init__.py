"""What browser parsers share: what browser messages mean, undated times, Engine.IO packets, HAR.

- :mod:`.messages` — the wordings browsers and socket.io-client print, as data; :mod:`.classify` walks them.
- :mod:`.clock` — placing console times of day that carry no date.
- :mod:`.eio` — Engine.IO / Socket.IO packets in HAR bodies and frames.
- :mod:`.har_load`, :mod:`.har_entries`, :mod:`.har_values` — a HAR document loaded (and salvaged), its
  entries as event rows, and the small readers of its loosely typed values.
"""
