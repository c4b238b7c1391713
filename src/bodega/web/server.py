"""Running the HTTP server: one process, or several sharing the port (SO_REUSEPORT).

aiohttp's low-level server runs on the stock asyncio loop, so file downloads go out with
sendfile (zero copy).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import socket
from collections.abc import Sequence

from aiohttp import web

from bodega.logs import configure_logging
from bodega.settings import Settings
from bodega.web import malloc
from bodega.web.app import Application, build_router
from bodega.wiring import open_services

log = logging.getLogger(__name__)


def bind(settings: Settings) -> socket.socket:
    """Bind the listening socket (before any worker starts, so errors surface at once)."""
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if settings.workers > 1:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((settings.host, settings.port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


async def serve(settings: Settings, sock: socket.socket) -> None:
    """Serve on ``sock`` until SIGINT/SIGTERM, then close everything in order."""
    malloc.tune()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with open_services(settings, follow_changes=True) as services:
        server = web.Server(
            Application(build_router(services), services.feed),
            access_log=log if settings.access_log else None,
            handler_cancellation=True,
        )
        runner = web.ServerRunner(server, handle_signals=False)
        await runner.setup()
        site = web.SockSite(runner, sock)
        await site.start()
        host, port = sock.getsockname()[:2]
        log.info("serving", extra={"url": f"http://{_url_host(host)}:{port}/"})
        try:
            await stop.wait()
        finally:
            await runner.cleanup()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def run(settings: Settings) -> None:
    """Serve in this process, or in ``settings.workers`` processes sharing one port."""
    sock = bind(settings)
    if settings.workers == 1:
        asyncio.run(serve(settings, sock))
        return
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_worker, args=(settings, sock), name=f"bodega-worker-{i}")
        for i in range(settings.workers)
    ]
    for worker in workers:
        worker.start()
    signal.signal(signal.SIGTERM, lambda *_: _stop_workers(workers))
    try:
        for worker in workers:
            worker.join()
    except KeyboardInterrupt:
        _stop_workers(workers)
        for worker in workers:
            worker.join()


def _worker(settings: Settings, sock: socket.socket) -> None:
    configure_logging(settings.log_level)
    asyncio.run(serve(settings, sock))


def _stop_workers(workers: Sequence[multiprocessing.process.BaseProcess]) -> None:
    for worker in workers:
        if worker.is_alive() and worker.pid is not None:
            os.kill(worker.pid, signal.SIGTERM)
