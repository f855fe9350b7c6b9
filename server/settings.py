"""Settings of the scoring server, from command-line flags and CREDITSCORE_* variables."""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ENV_PREFIX", "Settings", "SettingsError", "parse_settings"]

ENV_PREFIX = "CREDITSCORE_"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class SettingsError(ValueError):
    """Settings that cannot start the server; the message is one line for the operator."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Settings:
    """Everything the server needs to start, validated once."""

    # Directory written by `python -m model_build train`.
    artifacts_dir: Path
    host: str = "127.0.0.1"
    # 0 lets the system choose a free port (tests).
    port: int = 50051
    # Threads handling calls; one call runs at a time per thread.
    worker_threads: int = 8
    # Calls beyond this many in progress are refused with RESOURCE_EXHAUSTED.
    max_concurrent_calls: int = 256
    # Largest request or response; a ScoreBatch of 1000 full applications is about 1.5 MB.
    max_message_bytes: int = 32 * 1024 * 1024
    # On SIGTERM: time left to calls in flight before they are cancelled.
    grace_period_seconds: float = 10.0
    # Lets several server processes share the port (SO_REUSEPORT), for multi-process serving.
    reuse_port: bool = False
    log_level: str = "INFO"
    # One INFO line per call (method, request id, duration); off on the fast path by default.
    log_calls: bool = False
    # Parallel onnxruntime runs for one large ScoreBatch (each on one thread, so that every
    # row's score equals Score's): a large batch then uses every core. 1 suits many
    # concurrent batch callers.
    batch_threads: int = field(default_factory=lambda: len(os.sched_getaffinity(0)))

    def __post_init__(self) -> None:
        if not 0 <= self.port < 65536:
            raise SettingsError(f"--port must be in 0..65535, got {self.port}")
        if not self.host:
            raise SettingsError("--host must not be empty")
        if not 1 <= self.worker_threads <= 1024:
            raise SettingsError(f"--worker-threads must be in 1..1024, got {self.worker_threads}")
        if self.max_concurrent_calls < self.worker_threads:
            raise SettingsError(
                f"--max-concurrent-calls ({self.max_concurrent_calls}) must be at least "
                f"--worker-threads ({self.worker_threads})"
            )
        if not 1024 <= self.max_message_bytes <= 2**31 - 1:
            raise SettingsError(
                f"--max-message-bytes must be in 1024..{2**31 - 1}, got {self.max_message_bytes}"
            )
        if not 0 <= self.grace_period_seconds <= 3600:
            raise SettingsError(
                f"--grace-period-seconds must be in [0, 3600], got {self.grace_period_seconds}"
            )
        if not 1 <= self.batch_threads <= 256:
            raise SettingsError(f"--batch-threads must be in 1..256, got {self.batch_threads}")
        if self.log_level not in LOG_LEVELS:
            raise SettingsError(f"--log-level must be one of {LOG_LEVELS}, got {self.log_level!r}")

    @property
    def address(self) -> str:
        """HOST:PORT to bind, with IPv6 hosts in brackets."""
        host = f"[{self.host}]" if ":" in self.host and not self.host.startswith("[") else self.host
        return f"{host}:{self.port}"

    @property
    def log_level_number(self) -> int:
        return logging.getLevelNamesMapping()[self.log_level]


def parse_settings(
    argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Settings from flags, falling back to CREDITSCORE_* variables, then to the defaults."""
    env = os.environ if environ is None else environ
    args = _parser(env).parse_args(argv)
    if not args.artifacts:
        raise SettingsError(
            f"no artifacts directory: pass --artifacts DIR or set {ENV_PREFIX}ARTIFACTS"
        )
    return Settings(
        artifacts_dir=Path(args.artifacts),
        host=args.host,
        port=_whole(args.port, "--port"),
        worker_threads=_whole(args.worker_threads, "--worker-threads"),
        max_concurrent_calls=_whole(args.max_concurrent_calls, "--max-concurrent-calls"),
        max_message_bytes=_whole(args.max_message_bytes, "--max-message-bytes"),
        grace_period_seconds=_real(args.grace_period_seconds, "--grace-period-seconds"),
        reuse_port=_flag(args.reuse_port, "--reuse-port"),
        log_level=str(args.log_level).upper(),
        log_calls=_flag(args.log_calls, "--log-calls"),
        batch_threads=_whole(args.batch_threads, "--batch-threads"),
    )


def _whole(value: str | int, flag: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{flag} must be a whole number, got {value!r}") from None


def _real(value: str | float, flag: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{flag} must be a number, got {value!r}") from None


def _flag(value: object, flag: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{flag} must be true or false, got {value!r}")


def _parser(environ: Mapping[str, str]) -> argparse.ArgumentParser:
    # Defaults come from the environment as strings and are converted like the flags, so a bad
    # variable fails with the same one-line message as a bad flag.
    def env(name: str, default: object) -> object:
        return environ.get(f"{ENV_PREFIX}{name}", default)

    defaults = Settings.__dataclass_fields__
    parser = argparse.ArgumentParser(
        prog="python -m server",
        description="gRPC scoring server (creditscore.v1.CreditScoreService and KServe V2).",
        epilog=f"Every flag can also be set by a variable {ENV_PREFIX}<FLAG_NAME>, e.g. "
        f"{ENV_PREFIX}ARTIFACTS, {ENV_PREFIX}PORT; flags win.",
    )
    parser.add_argument("--artifacts", default=env("ARTIFACTS", None), help="artifacts directory")
    parser.add_argument("--host", default=env("HOST", defaults["host"].default))
    parser.add_argument("--port", default=env("PORT", defaults["port"].default))
    parser.add_argument(
        "--worker-threads", default=env("WORKER_THREADS", defaults["worker_threads"].default)
    )
    parser.add_argument(
        "--max-concurrent-calls",
        default=env("MAX_CONCURRENT_CALLS", defaults["max_concurrent_calls"].default),
    )
    parser.add_argument(
        "--max-message-bytes",
        default=env("MAX_MESSAGE_BYTES", defaults["max_message_bytes"].default),
    )
    parser.add_argument(
        "--grace-period-seconds",
        default=env("GRACE_PERIOD_SECONDS", defaults["grace_period_seconds"].default),
    )
    parser.add_argument(
        "--reuse-port",
        nargs="?",
        const=True,
        default=env("REUSE_PORT", False),
        help="share the port between processes (SO_REUSEPORT)",
    )
    parser.add_argument(
        "--batch-threads",
        default=env("BATCH_THREADS", len(os.sched_getaffinity(0))),
        help="parallel model runs for large ScoreBatch calls (default: the usable cores)",
    )
    parser.add_argument("--log-level", default=env("LOG_LEVEL", defaults["log_level"].default))
    parser.add_argument(
        "--log-calls",
        nargs="?",
        const=True,
        default=env("LOG_CALLS", False),
        help="log one line per call",
    )
    return parser
