"""Server settings: flags, CREDITSCORE_* variables, validation with one-line messages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from server.settings import Settings, SettingsError, parse_settings


def test_settings_come_from_environment_variables():
    settings = parse_settings(
        [],
        {
            "CREDITSCORE_ARTIFACTS": "/models/a",
            "CREDITSCORE_HOST": "0.0.0.0",
            "CREDITSCORE_PORT": "6000",
            "CREDITSCORE_GRACE_PERIOD_SECONDS": "2.5",
            "CREDITSCORE_REUSE_PORT": "true",
            "CREDITSCORE_INSECURE": "true",
            "CREDITSCORE_NO_AUTH": "1",
        },
    )
    assert settings.artifacts_dir == Path("/models/a")
    assert (settings.host, settings.port) == ("0.0.0.0", 6000)
    assert settings.grace_period_seconds == 2.5
    assert settings.reuse_port is True


def test_flags_win_over_environment_variables():
    settings = parse_settings(
        ["--artifacts", "/b", "--port", "7000", "--log-calls", "--no-auth"],
        {"CREDITSCORE_ARTIFACTS": "/a", "CREDITSCORE_PORT": "6000"},
    )
    assert (settings.artifacts_dir, settings.port, settings.log_calls) == (Path("/b"), 7000, True)


def test_defaults_listen_on_loopback_port_50051():
    settings = parse_settings(["--artifacts", "/a", "--no-auth"], {})
    assert settings.address == "127.0.0.1:50051"
    assert settings.max_message_bytes >= 4 * 1024 * 1024


def test_large_batches_use_every_usable_core_unless_told_otherwise():
    one_process = ["--artifacts", "/a", "--no-auth", "--processes", "1"]
    assert parse_settings(one_process, {}).batch_threads == len(os.sched_getaffinity(0))
    # Several processes share the cores: together their batches use each core once.
    two = parse_settings(["--artifacts", "/a", "--no-auth", "--processes", "2"], {})
    assert two.batch_threads == max(1, len(os.sched_getaffinity(0)) // 2)
    settings = parse_settings(
        ["--artifacts", "/a", "--no-auth"], {"CREDITSCORE_BATCH_THREADS": "1"}
    )
    assert settings.batch_threads == 1


@pytest.mark.parametrize(
    ("argv", "environ", "named"),
    [
        ([], {}, "--artifacts"),
        (["--artifacts", "/a"], {"CREDITSCORE_PORT": "http"}, "--port"),
        (["--artifacts", "/a", "--port", "70000"], {}, "--port"),
        (["--artifacts", "/a", "--grace-period-seconds", "-1"], {}, "--grace-period-seconds"),
        (["--artifacts", "/a", "--worker-threads", "0"], {}, "--worker-threads"),
        (["--artifacts", "/a", "--log-level", "LOUD"], {}, "--log-level"),
        (["--artifacts", "/a"], {"CREDITSCORE_REUSE_PORT": "maybe"}, "--reuse-port"),
        (["--artifacts", "/a", "--batch-threads", "0"], {}, "--batch-threads"),
        (["--artifacts", "/a"], {"CREDITSCORE_BATCH_THREADS": "all"}, "--batch-threads"),
        (["--artifacts", "/a", "--no-auth", "--caller-max-in-flight", "0"], {}, "in-flight"),
        (["--artifacts", "/a", "--no-auth", "--caller-max-rate", "0"], {}, "--caller-max-rate"),
        (["--artifacts", "/a", "--no-auth", "--caller-max-rate", "nan"], {}, "--caller-max-rate"),
        (["--artifacts", "/a", "--no-auth", "--record", "maybe"], {}, "--record"),
        (["--artifacts", "/a", "--no-auth", "--metrics-port", "http"], {}, "--metrics-port"),
        (["--artifacts", "/a", "--no-auth", "--metrics-port", "70000"], {}, "--metrics-port"),
        (["--artifacts", "/a", "--no-auth", "--metrics-port", "50051"], {}, "--metrics-port"),
        (["--artifacts", "/a", "--no-auth", "--record-db", " "], {}, "--record-db"),
    ],
)
def test_bad_settings_are_one_line_errors_naming_the_flag(
    argv: list[str], environ: dict[str, str], named: str
):
    with pytest.raises(SettingsError) as caught:
        parse_settings(argv, environ)
    assert named in str(caught.value) and "\n" not in str(caught.value)


def test_settings_are_frozen_and_keyword_only():
    settings = Settings(artifacts_dir=Path("/a"), no_auth=True)
    with pytest.raises(AttributeError):
        settings.port = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        Settings(Path("/a"))  # type: ignore[misc]


def test_decisions_are_recorded_by_default_next_to_the_artifacts():
    settings = parse_settings(["--artifacts", "/models/a", "--no-auth"], {})
    assert settings.record is True
    assert settings.record_target == "/models/decisions.sqlite"


def test_the_record_goes_where_told_and_can_be_turned_off_for_benchmarks():
    url = "postgresql://scorer@db.internal:5432/decisions"
    told = parse_settings(["--artifacts", "/a", "--no-auth"], {"CREDITSCORE_RECORD_DB": url})
    assert told.record_target == url
    off = parse_settings(["--artifacts", "/a", "--no-auth", "--record", "off"], {})
    assert off.record is False and off.record_target is None


def test_metrics_are_off_by_default_and_served_on_their_own_port_when_asked():
    assert parse_settings(["--artifacts", "/a", "--no-auth"], {}).metrics_port is None
    on = parse_settings(["--artifacts", "/a", "--no-auth"], {"CREDITSCORE_METRICS_PORT": "9464"})
    assert on.metrics_port == 9464
