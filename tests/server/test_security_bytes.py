"""Bytes that are not a valid message are INVALID_ARGUMENT on every service (health Check and
Watch, each V2 method, reflection, as CreditScoreService), with one log line and no traceback."""

from __future__ import annotations

import logging

import grpc
import pytest

from creditscore.v1 import decision_record_pb2
from inference import grpc_service_pb2
from server.logging_setup import CALLS_LOGGER

# Field 1, length-delimited, 5 bytes announced, 2 sent: no message of any type parses it.
MALFORMED = b"\x0a\x05ab"
V2 = grpc_service_pb2.DESCRIPTOR.services_by_name["GRPCInferenceService"]
RECORD = decision_record_pb2.DESCRIPTOR.services_by_name["DecisionRecordService"]
UNARY = [
    "/grpc.health.v1.Health/Check",
    *(f"/{RECORD.full_name}/{method.name}" for method in RECORD.methods),
    *(f"/{V2.full_name}/{method.name}" for method in V2.methods),
]


def _assert_one_line_and_no_traceback(caplog: pytest.LogCaptureFixture, method: str) -> None:
    assert not [r for r in caplog.records if r.exc_info or r.name.startswith("grpc")]
    lines = [r.getMessage() for r in caplog.records if r.name == CALLS_LOGGER]
    assert len(lines) == 1
    assert lines[0].startswith(f"{method.rsplit('/', 1)[1]} INVALID_ARGUMENT ")


@pytest.mark.parametrize("method", UNARY)
def test_malformed_bytes_are_invalid_argument(
    channel: grpc.Channel, caplog: pytest.LogCaptureFixture, method: str
):
    caplog.set_level(logging.INFO, logger=CALLS_LOGGER)
    with pytest.raises(grpc.RpcError) as caught:
        channel.unary_unary(method)(MALFORMED, timeout=10)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "not a valid" in caught.value.details()
    _assert_one_line_and_no_traceback(caplog, method)


def test_malformed_bytes_on_health_watch_are_invalid_argument(
    channel: grpc.Channel, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO, logger=CALLS_LOGGER)
    method = "/grpc.health.v1.Health/Watch"
    with pytest.raises(grpc.RpcError) as caught:
        next(channel.unary_stream(method)(MALFORMED, timeout=10))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "grpc.health.v1.HealthCheckRequest" in caught.value.details()
    _assert_one_line_and_no_traceback(caplog, method)


def test_malformed_bytes_on_reflection_are_invalid_argument(
    channel: grpc.Channel, caplog: pytest.LogCaptureFixture
):
    method = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"
    with pytest.raises(grpc.RpcError) as caught:
        list(channel.stream_stream(method)(iter([MALFORMED]), timeout=10))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert not [r for r in caplog.records if r.exc_info or r.name.startswith("grpc")]
