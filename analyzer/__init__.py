"""wsdiag: diagnose broken WebSocket / Socket.IO connections behind a reverse proxy."""

__version__ = "0.1.0"
