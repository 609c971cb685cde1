"""A TCP hop in front of Traefik that passes plain HTTP but does not pass WebSocket upgrades.

Like a load balancer or a corporate proxy without WebSocket support, it reads each new connection's first
request head and, when it asks for `Upgrade: websocket`, never forwards it:

- ``hold``: keeps the connection open without answering and closes it (a plain FIN, no HTTP answer) after
  N seconds — the request times out in the hop;
- ``close``: closes the connection at once, without answering (a plain FIN);
- ``strip``: forwards the request without its hop-by-hop ``Connection`` and ``Upgrade`` headers, as an
  HTTP/1.1 proxy that knows nothing of WebSockets must (RFC 9110 §7.6.1), and relays whatever answers.

Everything else is forwarded to the target unchanged, both ways. It logs only its start and each refused
upgrade, on stderr, to the harness (an engineer rarely has such logs).

Run: python ws_hop.py LISTEN_PORT TARGET_PORT hold|close|strip [SECONDS]
"""

from __future__ import annotations

import asyncio
import contextlib
import sys


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def _handle(
    client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter, target: int, mode: str, hold: float
) -> None:
    try:
        head = await client_r.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        client_w.close()
        return
    lines = head.decode("latin-1").split("\r\n")
    upgrade = any(line.lower().startswith("upgrade:") and "websocket" in line.lower() for line in lines[1:])
    if upgrade and mode == "strip":
        kept = [line for line in lines if not line.lower().startswith(("connection:", "upgrade:"))]
        head = "\r\n".join(kept).encode("latin-1")
        print(f"strip: Connection/Upgrade removed from {lines[0]}", file=sys.stderr, flush=True)
    elif upgrade:
        peer = client_w.get_extra_info("peername")
        print(f"{mode}: WebSocket upgrade from {peer} not forwarded: {lines[0]}", file=sys.stderr, flush=True)
        if mode == "hold":
            with contextlib.suppress(TimeoutError, ConnectionError):
                await asyncio.wait_for(client_r.read(), timeout=hold)
        client_w.close()
        return
    try:
        up_r, up_w = await asyncio.open_connection("127.0.0.1", target)
    except OSError:
        client_w.close()
        return
    up_w.write(head)
    await asyncio.gather(_pipe(client_r, up_w), _pipe(up_r, client_w))


async def main() -> None:
    listen, target, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    hold = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    server = await asyncio.start_server(lambda r, w: _handle(r, w, target, mode, hold), "127.0.0.1", listen)
    print(
        f"ws hop 127.0.0.1:{listen} -> 127.0.0.1:{target}, WebSocket upgrades: {mode} {hold:g}s",
        file=sys.stderr,
        flush=True,
    )
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
