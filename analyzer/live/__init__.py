"""Live checks: ``wsdiag probe`` (speak Engine.IO / Socket.IO and WebSocket through the proxy, step by step)
and ``wsdiag watch`` (follow growing logs, report findings as they start and clear)."""
