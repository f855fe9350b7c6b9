"""Entry point of the scoring server: ``python -m server --artifacts DIR [--host H] [--port P]``."""

from __future__ import annotations

import sys

# The server has no use for scikit-learn, but LightGBM imports it when it is installed (for its
# scikit-learn estimators, which Explain does not use): measured 1.5 s of a 4 s start at the
# Kaggle size. A None entry in sys.modules makes `import sklearn` fail as if it were absent;
# only here, in the server's own process, never where training code runs.
sys.modules.setdefault("sklearn", None)  # type: ignore[arg-type]

import ctypes  # noqa: E402
import ctypes.util  # noqa: E402
import glob  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402

from server.artifacts import ArtifactsError, load_artifacts  # noqa: E402
from server.logging_setup import configure_logging  # noqa: E402
from server.records.store import StoreError  # noqa: E402
from server.settings import SettingsError, parse_settings  # noqa: E402

logger = logging.getLogger("server")

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

# glibc's mallopt parameters (malloc.h) and the values the server runs with. By default glibc
# raises its mmap threshold once a large buffer is freed and keeps one heap per thread, so a
# 30 MB request left ~20 MB more resident memory after each call (measured: +200 MB after six).
# A fixed 4 MB threshold (buffers of one 1000-row batch stay below it: no cost there), two heaps
# and trimming above 1 MB keep memory within 50 MB of its level after any request.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8
_MALLOC_OPTIONS = (
    (_M_MMAP_THRESHOLD, 4 * 1024 * 1024),
    (_M_TRIM_THRESHOLD, 1024 * 1024),
    (_M_ARENA_MAX, 2),
)


def _return_freed_memory() -> None:
    """Set glibc's allocator so that freed large buffers go back to the system (no-op on other
    C libraries). Before any thread starts: arenas are made per thread."""
    library = ctypes.util.find_library("c")
    mallopt = getattr(ctypes.CDLL(library), "mallopt", None) if library else None
    if mallopt is None:
        return
    for parameter, value in _MALLOC_OPTIONS:
        mallopt(parameter, value)


def _metrics_files() -> None:
    """The folder where several processes keep their metrics (PROMETHEUS_MULTIPROC_DIR: the
    operator's, emptied of a previous run's files, or a new one). prometheus-client picks its
    multiprocess mode when first imported (server.app imports it): set before that."""
    folder = os.environ.get(MULTIPROC_VARIABLE) or tempfile.mkdtemp(prefix="creditscore-metrics-")
    os.makedirs(folder, exist_ok=True)
    for stale in glob.glob(os.path.join(folder, "*.db")):
        os.unlink(stale)
    os.environ[MULTIPROC_VARIABLE] = folder


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM / SIGINT; 2 on bad settings, 1 when the server cannot start."""
    try:
        settings = parse_settings(argv)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level_number, log_calls=settings.log_calls)
    _return_freed_memory()
    if settings.processes > 1 and settings.metrics_port is not None:
        _metrics_files()
    try:
        artifacts = load_artifacts(settings.artifacts_dir)
        # Imported after loading so that a bad artifacts directory answers without grpc setup.
        from server.app import build_core, create_server, open_recorder

        core = build_core(settings, artifacts)
        if settings.processes > 1:
            from server.processes import reserve_port, serve_processes

            # Both checked here, once, so that a bad store or a taken port is one line from
            # the parent rather than a crash loop of its children.
            open_recorder(settings).close()
            reservation = reserve_port(settings)
        else:
            # The decision store opens before the port does: no decision is given unrecorded.
            server, port = create_server(settings, core=core)
    except StoreError as error:
        print(f"error: {error} (check --record-db)", file=sys.stderr)
        return 1
    except ArtifactsError as error:
        print(f"error: cannot serve {settings.artifacts_dir}: {error}", file=sys.stderr)
        return 1
    except (OSError, RuntimeError) as error:
        print(f"error: cannot listen on {settings.address}: {error}", file=sys.stderr)
        return 1
    if settings.processes > 1:
        return serve_processes(settings, core, reservation)
    from server.run_loop import serve_until_signalled

    return serve_until_signalled(server, port)


if __name__ == "__main__":
    sys.exit(main())
