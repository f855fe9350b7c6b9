"""Entry point: ``python -m model_build``."""

from __future__ import annotations

import sys

from model_build.cli import main

if __name__ == "__main__":
    sys.exit(main())
