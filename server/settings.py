"""Settings of the scoring server, from command-line flags and CREDITSCORE_* variables."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from server.model_source import ModelSourceError, is_registered_model, resolve_artifacts
from server.security.credentials import CredentialsError, load_credentials

__all__ = ["ENV_PREFIX", "Settings", "SettingsError", "is_loopback", "parse_settings"]

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
    # Threads handling calls; one call runs at a time per thread. Most of a recorded call's
    # time is spent waiting for its commit (the GIL released): more threads than cores let
    # concurrent calls share a commit, and leave a thread free for a health check while
    # large batches are being recorded (with 8, a probe queued behind them for seconds).
    worker_threads: int = 32
    # Calls beyond this many in progress are refused with RESOURCE_EXHAUSTED.
    max_concurrent_calls: int = 256
    # Largest request or response: the largest columnar ScoreBatch (10,000 rows) is about 11 MB,
    # and a request at the limit must not raise the server's memory by more than 50 MB.
    max_message_bytes: int = 16 * 1024 * 1024
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
    # Server processes sharing the port (SO_REUSEPORT), forked from one parent that loaded the
    # artifacts once: the client book and the compiled kernels are shared, not copied. One
    # Python process answers ~2,000-3,000 calls/s whatever the cores; one per core uses them.
    processes: int = 1
    # TLS: the server's certificate chain and key (PEM); with a client CA, client
    # certificates are required and verified (mTLS).
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_client_ca: Path | None = None
    # Plaintext on an address other than loopback only when told so.
    insecure: bool = False
    # Callers and their roles (server.security); without it the server starts only with
    # no_auth (local demos and benchmarks).
    credentials_file: Path | None = None
    no_auth: bool = False
    # Server reflection is off unless asked for.
    reflection: bool = False
    # On SIGTERM: seconds of health NOT_SERVING while still serving, so that load balancers
    # stop sending, before new calls are refused and the grace period starts.
    drain_seconds: float = 5.0
    # Per caller: calls in progress at once, and calls per second (a token bucket with a
    # burst of one second's worth); beyond either, RESOURCE_EXHAUSTED with RetryInfo.
    caller_max_in_flight: int = 64
    caller_max_rate: float = 2000.0
    # Every decision is recorded before its response is sent (server.records); off only for
    # benchmarks that measure the server without it.
    record: bool = True
    # Where: a SQLite file (default: decisions.sqlite next to the artifacts directory) or a
    # postgresql:// URL (several replicas sharing one record).
    record_db: str | None = None
    # Prometheus metrics on this port (same host; HTTPS with the server's certificate when it
    # has one); None: off. 0 lets the system choose (tests).
    metrics_port: int | None = None
    # The registered MLflow version the artifacts come from (models:/NAME/VERSION or
    # models:/NAME@ALIAS), None when --artifacts is a directory; the registry it is in.
    model_source: str | None = None
    mlflow_tracking_uri: str | None = None

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
        if not 1 <= self.processes <= 64:
            raise SettingsError(f"--processes must be in 1..64, got {self.processes}")
        if not 1 <= self.batch_threads <= 256:
            raise SettingsError(f"--batch-threads must be in 1..256, got {self.batch_threads}")
        if self.log_level not in LOG_LEVELS:
            raise SettingsError(f"--log-level must be one of {LOG_LEVELS}, got {self.log_level!r}")
        if self.metrics_port is not None and not 0 <= self.metrics_port < 65536:
            raise SettingsError(f"--metrics-port must be in 0..65535, got {self.metrics_port}")
        if self.metrics_port is not None and self.metrics_port == self.port != 0:
            raise SettingsError("--metrics-port must differ from --port")
        if self.record_db is not None and not self.record_db.strip():
            raise SettingsError("--record-db must not be empty: a SQLite path or postgresql:// URL")
        self._check_security()

    @property
    def record_target(self) -> str | None:
        """The decision store's path or URL; None when recording is off."""
        if not self.record:
            return None
        if self.record_db:
            return self.record_db
        if self.model_source is not None:
            # A registered version's files sit in the MLflow store, a folder per version; the
            # record spans versions, so it stays in the working directory.
            return str(Path.cwd() / "decisions.sqlite")
        return str(self.artifacts_dir.resolve().parent / "decisions.sqlite")

    def _check_security(self) -> None:
        """TLS files in pairs, no plaintext beyond loopback unless told, callers known (or
        --no-auth), limits that admit calls."""
        if (self.tls_cert is None) != (self.tls_key is None):
            raise SettingsError("--tls-cert and --tls-key go together: pass both or neither")
        if self.tls_client_ca is not None and self.tls_cert is None:
            raise SettingsError("--tls-client-ca (mTLS) needs --tls-cert and --tls-key")
        for flag, path in (
            ("--tls-cert", self.tls_cert),
            ("--tls-key", self.tls_key),
            ("--tls-client-ca", self.tls_client_ca),
        ):
            if path is not None and not path.is_file():
                raise SettingsError(f"{flag}: no such file {path}")
        if self.tls_cert is None and not self.insecure and not is_loopback(self.host):
            raise SettingsError(
                f"refusing plaintext on {self.host}, which is not loopback: pass --tls-cert and "
                "--tls-key, or --insecure behind a proxy that terminates TLS"
            )
        if self.credentials_file is not None and self.no_auth:
            raise SettingsError("--credentials and --no-auth contradict each other")
        if self.credentials_file is None and not self.no_auth:
            raise SettingsError(
                "no callers: pass --credentials FILE (python -m server.security mint-token "
                "writes one), or --no-auth for local demos"
            )
        if self.credentials_file is not None:
            try:
                load_credentials(self.credentials_file)
            except CredentialsError as error:
                raise SettingsError(str(error)) from None
        if not 1 <= self.caller_max_in_flight <= 1_000_000:
            raise SettingsError(
                f"--caller-max-in-flight must be in 1..1000000, got {self.caller_max_in_flight}"
            )
        if not 0 < self.caller_max_rate <= 1e9:
            raise SettingsError(
                f"--caller-max-rate must be in (0, 1e9] calls/s, got {self.caller_max_rate}"
            )

    @property
    def address(self) -> str:
        """HOST:PORT to bind, with IPv6 hosts in brackets."""
        host = f"[{self.host}]" if ":" in self.host and not self.host.startswith("[") else self.host
        return f"{host}:{self.port}"

    @property
    def log_level_number(self) -> int:
        return logging.getLevelNamesMapping()[self.log_level]


def is_loopback(host: str) -> bool:
    """Whether ``host`` only reaches this machine: localhost, 127.0.0.0/8 or ::1."""
    name = host.strip("[]")
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


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
    processes = (
        usable_cores() if args.processes in (None, "") else _whole(args.processes, "--processes")
    )
    # Each process runs its own large batches: together they use the cores, not N times them.
    batch_threads = (
        max(1, usable_cores() // max(1, processes))
        if args.batch_threads in (None, "")
        else _whole(args.batch_threads, "--batch-threads")
    )
    source = str(args.artifacts)
    tracking_uri = str(args.mlflow_tracking_uri) if args.mlflow_tracking_uri else None
    try:
        artifacts_dir = resolve_artifacts(source, tracking_uri=tracking_uri)
    except ModelSourceError as error:
        raise SettingsError(f"--artifacts {error}") from None
    return Settings(
        artifacts_dir=artifacts_dir,
        model_source=source if is_registered_model(source) else None,
        mlflow_tracking_uri=tracking_uri,
        host=args.host,
        port=_whole(args.port, "--port"),
        worker_threads=_whole(args.worker_threads, "--worker-threads"),
        max_concurrent_calls=_whole(args.max_concurrent_calls, "--max-concurrent-calls"),
        max_message_bytes=_whole(args.max_message_bytes, "--max-message-bytes"),
        grace_period_seconds=_real(args.grace_period_seconds, "--grace-period-seconds"),
        reuse_port=_flag(args.reuse_port, "--reuse-port") or processes > 1,
        processes=processes,
        log_level=str(args.log_level).upper(),
        log_calls=_flag(args.log_calls, "--log-calls"),
        batch_threads=batch_threads,
        tls_cert=_path(args.tls_cert),
        tls_key=_path(args.tls_key),
        tls_client_ca=_path(args.tls_client_ca),
        insecure=_flag(args.insecure, "--insecure"),
        credentials_file=_path(args.credentials),
        no_auth=_flag(args.no_auth, "--no-auth"),
        reflection=_flag(args.reflection, "--reflection"),
        drain_seconds=_real(args.drain_seconds, "--drain-seconds"),
        caller_max_in_flight=_whole(args.caller_max_in_flight, "--caller-max-in-flight"),
        caller_max_rate=_real(args.caller_max_rate, "--caller-max-rate"),
        record=_on_off(args.record, "--record"),
        record_db=str(args.record_db) if args.record_db is not None else None,
        metrics_port=(
            None if args.metrics_port in (None, "") else _whole(args.metrics_port, "--metrics-port")
        ),
    )


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, not the machine's count)."""
    return len(os.sched_getaffinity(0))


def _path(value: object) -> Path | None:
    return Path(str(value)) if value else None


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


def _on_off(value: object, flag: str) -> bool:
    text = str(value).strip().lower()
    if text in {"on", "true", "1", "yes"}:
        return True
    if text in {"off", "false", "0", "no"}:
        return False
    raise SettingsError(f"{flag} must be on or off, got {value!r}")


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
    parser.add_argument(
        "--artifacts",
        default=env("ARTIFACTS", None),
        help="artifacts directory, or a registered MLflow version: models:/NAME/VERSION or "
        "models:/NAME@ALIAS",
    )
    parser.add_argument(
        "--mlflow-tracking-uri",
        default=env("MLFLOW_TRACKING_URI", None),
        help="MLflow registry of a models:/ --artifacts (default: MLflow's MLFLOW_TRACKING_URI)",
    )
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
        default=env("BATCH_THREADS", None),
        help="parallel model runs for large ScoreBatch calls (default: the usable cores "
        "divided by --processes)",
    )
    parser.add_argument(
        "--processes",
        default=env("PROCESSES", None),
        help="server processes on the port (SO_REUSEPORT; default: one per usable core)",
    )
    parser.add_argument(
        "--tls-cert", default=env("TLS_CERT", None), help="server certificate (PEM)"
    )
    parser.add_argument("--tls-key", default=env("TLS_KEY", None), help="server private key (PEM)")
    parser.add_argument(
        "--tls-client-ca",
        default=env("TLS_CLIENT_CA", None),
        help="CA of client certificates: requires and verifies them (mTLS)",
    )
    for name, help_text in (
        ("insecure", "allow plaintext on an address other than loopback"),
        ("no-auth", "serve without a credentials file: anyone may call (local demos only)"),
        ("reflection", "serve gRPC server reflection"),
    ):
        parser.add_argument(
            f"--{name}",
            nargs="?",
            const=True,
            default=env(name.upper().replace("-", "_"), False),
            help=help_text,
        )
    parser.add_argument(
        "--credentials",
        default=env("CREDENTIALS", None),
        help="callers and their roles (python -m server.security mint-token writes it)",
    )
    parser.add_argument(
        "--drain-seconds", default=env("DRAIN_SECONDS", defaults["drain_seconds"].default)
    )
    parser.add_argument(
        "--caller-max-in-flight",
        default=env("CALLER_MAX_IN_FLIGHT", defaults["caller_max_in_flight"].default),
    )
    parser.add_argument(
        "--caller-max-rate", default=env("CALLER_MAX_RATE", defaults["caller_max_rate"].default)
    )
    parser.add_argument(
        "--record",
        default=env("RECORD", "on"),
        help="record every decision before answering: on (default) or off (benchmarks only)",
    )
    parser.add_argument(
        "--record-db",
        default=env("RECORD_DB", None),
        help="decision store: a SQLite file (default: decisions.sqlite next to the artifacts)"
        " or a postgresql://USER@HOST:PORT/DB URL",
    )
    parser.add_argument(
        "--metrics-port",
        default=env("METRICS_PORT", None),
        help="serve Prometheus metrics at http(s)://HOST:PORT/metrics (default: off)",
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
