"""Several server processes on one port (``--processes N``): one parent loads the model and the
client book once, then forks the servers, restarts one that dies and stops them all on SIGTERM.

Why fork rather than start N interpreters: each child inherits the loaded book, the compiled
kernels and the imported libraries as shared copy-on-write pages, so an extra process costs its
own heap only and reaches SERVING in about a second (no import, no load, no compilation). The
parent never starts a gRPC server, a thread pool or a store connection before forking (gRPC
and SQLite connections must not cross a fork); each child opens its own.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import logging
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass, field, replace
from types import FrameType
from typing import Any, NoReturn

from server.app import ServingCore, create_server
from server.metrics import process_exited, serve_process_metrics
from server.records.store import StoreError
from server.settings import Settings

__all__ = ["PortReservation", "reserve_port", "serve_processes"]

logger = logging.getLogger("server")

# How often the parent looks for signals and children that exited.
POLL_SECONDS = 0.05
# A child that exits sooner than this after its start counts as failing to start; after
# MAX_QUICK_FAILURES of them in a row the parent gives up (a crash loop helps no one).
QUICK_EXIT_SECONDS = 10.0
MAX_QUICK_FAILURES = 3
# Linux prctl option: the signal a child receives when its parent dies.
_PR_SET_PDEATHSIG = 1


@dataclass
class PortReservation:
    """The port the children share, held by the parent with SO_REUSEPORT (never listening,
    so it gets no connection) so that port 0 resolves once and the port stays ours between
    a child's death and its restart."""

    sock: socket.socket
    port: int


@dataclass
class _Child:
    index: int
    started: float


@dataclass
class _Supervisor:
    settings: Settings
    core: ServingCore
    parent_pid: int = field(default_factory=os.getpid)
    children: dict[int, _Child] = field(default_factory=dict)
    quick_failures: int = 0
    stopping: bool = False

    def spawn(self, index: int) -> None:
        pid = os.fork()
        if pid == 0:
            _run_child(index, self.settings, self.core, self.parent_pid)
        self.children[pid] = _Child(index, time.monotonic())
        logger.info("process %d started (pid %d)", index, pid)

    def reap(self) -> None:
        """Handle every child that exited: restart it unless stopping or crash-looping."""
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            child = self.children.pop(pid, None)
            if child is None:
                continue
            if self.settings.metrics_port is not None:
                process_exited(pid)
            if self.stopping:
                logger.info("process %d stopped (%s)", child.index, _exit_text(status))
                continue
            self._restart(child, status)

    def _restart(self, child: _Child, status: int) -> None:
        quick = time.monotonic() - child.started < QUICK_EXIT_SECONDS
        self.quick_failures = self.quick_failures + 1 if quick else 0
        logger.error("process %d exited (%s)", child.index, _exit_text(status))
        if self.quick_failures >= MAX_QUICK_FAILURES:
            logger.error("processes keep exiting at start; stopping the server")
            self.stop()
            return
        self.spawn(child.index)

    def stop(self) -> None:
        """SIGTERM to every child: each drains as a single server does."""
        self.stopping = True
        for pid in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)


def reserve_port(settings: Settings) -> PortReservation:
    """Bind the server's address with SO_REUSEPORT (OSError when it is taken)."""
    family = socket.AF_INET6 if ":" in settings.host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((settings.host.strip("[]"), settings.port))
    return PortReservation(sock, int(sock.getsockname()[1]))


def serve_processes(settings: Settings, core: ServingCore, reservation: PortReservation) -> int:
    """Fork ``settings.processes`` servers on the reserved port and supervise them until
    SIGTERM / SIGINT; 0 once all have drained, 1 when they could not stay up."""
    shared = replace(settings, port=reservation.port, reuse_port=True)
    supervisor = _Supervisor(shared, core)
    stop_signals: list[int] = []

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        stop_signals.append(signum)

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    # Objects made so far move to a generation the collector never scans: its bookkeeping
    # writes would otherwise copy every shared page into each child.
    gc.freeze()
    for index in range(settings.processes):
        supervisor.spawn(index)
    logger.info("%d server processes on %s:%d", settings.processes, settings.host, reservation.port)
    # Threads only now, after the first forks (a restart forks with this one running: only
    # the forking thread continues in the child, which never uses the exporter).
    exporter = _serve_metrics(shared, core)
    while supervisor.children:
        time.sleep(POLL_SECONDS)
        if stop_signals and not supervisor.stopping:
            logger.info("received %s: stopping every process", signal.Signals(stop_signals[0]).name)
            supervisor.stop()
        supervisor.reap()
    reservation.sock.close()
    if exporter is not None:
        exporter.shutdown()
    return 1 if supervisor.quick_failures >= MAX_QUICK_FAILURES else 0


def _serve_metrics(settings: Settings, core: ServingCore) -> Any:
    """The one /metrics of every process (None without --metrics-port)."""
    if settings.metrics_port is None:
        return None
    tls = None if settings.tls_cert is None else (str(settings.tls_cert), str(settings.tls_key))
    version, threshold = core.artifacts.model_version, core.artifacts.threshold
    httpd, port = serve_process_metrics(
        version, threshold, settings.host, settings.metrics_port, tls
    )
    logger.info(
        "metrics of every process at %s://%s:%d/metrics",
        "http" if tls is None else "https",
        settings.host,
        port,
    )
    return httpd


def _run_child(index: int, settings: Settings, core: ServingCore, parent_pid: int) -> NoReturn:
    """A forked server process: its own gRPC server, store connection and metrics port."""
    code = 1
    try:
        _die_with_parent(parent_pid)
        code = _serve_child(index, settings, core)
    except StoreError as error:
        print(f"error: process {index}: {error} (check --record-db)", file=sys.stderr)
    except (OSError, RuntimeError) as error:
        message = f"cannot listen on {settings.address}: {error}"
        print(f"error: process {index}: {message}", file=sys.stderr)
    except BaseException:  # a child must never return into the parent's loop
        logger.exception("process %d failed", index)
    finally:
        logging.shutdown()
        # os._exit: no interpreter teardown of objects inherited from the parent.
        os._exit(code)


def _serve_child(index: int, settings: Settings, core: ServingCore) -> int:
    from server.run_loop import serve_until_signalled, stop_on_signals

    # First: a SIGTERM while the server is being created must still stop it (after a drain).
    name = f"process {index}: "
    stop_requested = stop_on_signals(name)
    # Metrics kept here, served by the parent for all (prometheus-client's multiprocess mode).
    child_settings = settings
    server, port = create_server(child_settings, core=core, metrics_endpoint=False)
    return serve_until_signalled(server, port, name, stop_requested)


def _die_with_parent(parent_pid: int) -> None:
    """Ask the kernel for SIGKILL when the parent dies (a kill -9 of the parent must not leave
    servers behind on the port); exit at once if it is already gone."""
    library = ctypes.util.find_library("c")
    prctl = getattr(ctypes.CDLL(library), "prctl", None) if library else None
    if prctl is not None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:
        os._exit(1)


def _exit_text(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"
