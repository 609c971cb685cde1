"""A TCP hop that cuts connections idle for longer than N seconds, like a load balancer's idle timeout.

It forwards bytes both ways and, when neither side has sent anything for N seconds, closes both sides
with a plain FIN (no HTTP answer, no WebSocket close frame) — which is all a real L4 balancer does.
It logs only its start and the cuts, on stderr, to the harness (an engineer rarely has such logs).

Run: python idle_proxy.py LISTEN_PORT TARGET_PORT IDLE_SECONDS
"""

from __future__ import annotations

import asyncio
import sys
import time


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: list[float]) -> None:
    try:
        while data := await reader.read(65536):
            seen[0] = time.monotonic()
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass


async def _handle(
    client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter, target: int, idle: float
) -> None:
    try:
        up_r, up_w = await asyncio.open_connection("127.0.0.1", target)
    except OSError:
        client_w.close()
        return
    seen = [time.monotonic()]
    tasks = [
        asyncio.ensure_future(_pipe(client_r, up_w, seen)),
        asyncio.ensure_future(_pipe(up_r, client_w, seen)),
    ]
    while not any(t.done() for t in tasks):
        await asyncio.sleep(0.2)
        if time.monotonic() - seen[0] > idle:
            print(
                f"idle for {idle:g}s: cutting {client_w.get_extra_info('peername')}",
                file=sys.stderr,
                flush=True,
            )
            break
    for t in tasks:
        t.cancel()
    for w in (client_w, up_w):
        w.close()


async def main() -> None:
    listen, target, idle = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    server = await asyncio.start_server(lambda r, w: _handle(r, w, target, idle), "127.0.0.1", listen)
    print(
        f"idle proxy 127.0.0.1:{listen} -> 127.0.0.1:{target}, idle timeout {idle:g}s",
        file=sys.stderr,
        flush=True,
    )
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
