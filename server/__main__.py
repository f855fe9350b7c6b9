"""Entry point of the scoring server: ``python -m server --artifacts DIR [--host H] [--port P]``."""

from __future__ import annotations

import logging
import signal
import sys
from types import FrameType

from server.artifacts import ArtifactsError, load_artifacts
from server.logging_setup import configure_logging
from server.settings import SettingsError, parse_settings

logger = logging.getLogger("server")


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM / SIGINT; 2 on bad settings, 1 when the server cannot start."""
    try:
        settings = parse_settings(argv)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level_number, log_calls=settings.log_calls)
    try:
        artifacts = load_artifacts(settings.artifacts_dir)
        # Imported after loading so that a bad artifacts directory answers without grpc setup.
        from server.app import create_server

        server, port = create_server(settings, artifacts=artifacts)
    except ArtifactsError as error:
        print(f"error: cannot serve {settings.artifacts_dir}: {error}", file=sys.stderr)
        return 1
    except (OSError, RuntimeError) as error:
        print(f"error: cannot listen on {settings.address}: {error}", file=sys.stderr)
        return 1

    def stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("received %s", signal.Signals(signum).name)
        server.shutdown()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.start()
    logger.info(
        "serving model %s on %s:%d (%d worker threads)",
        artifacts.model_version,
        settings.host,
        port,
        settings.worker_threads,
    )
    server.wait_for_termination()
    logger.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
