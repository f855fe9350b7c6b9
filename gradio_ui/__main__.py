"""Entry point: ``python -m gradio_ui --server HOST:PORT [--port P]``."""

from __future__ import annotations

import logging
import sys

from gradio_ui.settings import SettingsError, parse_settings


def main(argv: list[str] | None = None) -> int:
    """Starts the app and serves until interrupted; 2 on bad settings."""
    try:
        settings = parse_settings(argv)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Gradio's HTTP client logs every request it makes to itself at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Imported late so that a settings error answers at once, without loading Gradio.
    from gradio_ui.app import launch

    demo, client = launch(settings, prevent_thread_lock=True)
    url = f"http://{settings.host}:{settings.port}"
    print(f"advisors' app on {url} (scoring server {settings.server_address})")
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        pass
    finally:
        demo.close()
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
