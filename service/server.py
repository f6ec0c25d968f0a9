"""Run the service under uvicorn: one process, or a supervisor and N worker processes."""

from __future__ import annotations

import os
import socket

import uvicorn
from uvicorn.supervisors import Multiprocess

from .settings import Settings


def serve(settings: Settings) -> bool:
    """Serve until interrupted; False if the server could not start. Settings reach the workers
    through the environment (uvicorn starts them as new processes that call service:create_app)."""
    # glibc gives the request threads (up to 40 per worker) malloc arenas of their own, up to 8
    # per core; memory freed in one is not reused by the others. Under load and reloads worker
    # memory grew by half in a minute (tests/stress/stress.py); with two arenas it is about half
    # as large and settles at its working size.
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    # The server must keep an idle connection open longer than clients keep it in their pools
    # (httpx: 5 s): closing it first races a client reusing it, whose request is then lost
    # ("Server disconnected without sending a response"); uvicorn's default is 5 s.
    config = uvicorn.Config("service:create_app", factory=True, host=settings.host, port=settings.port,
                            workers=settings.workers, log_level="warning", timeout_keep_alive=settings.keepalive)
    if settings.workers == 1:
        server = uvicorn.Server(config)
        server.run()
        return server.started
    listening = config.bind_socket()
    # uvicorn makes the shared socket without a protocol number, so asyncio does not set
    # TCP_NODELAY on the connections it accepts (it does with one worker, on a socket it makes
    # itself): every response then waited for the client's delayed ACK, ~40 ms (2 workers served
    # 157 judgements/s where 1 served 579, BENCHMARKS.md). Accepted connections inherit it.
    listening.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    Multiprocess(config, sockets=[listening]).run()
    return True
