"""The gRPC contracts in protos/: lint, format, generated code, documentation, Kaggle mapping."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import FieldDescriptor

from model_build.schema import APPLICATION_TEST

REPO_ROOT = Path(__file__).resolve().parents[2]
PROTO_ROOT = REPO_ROOT / "protos"
GEN_SCRIPT = REPO_ROOT / "scripts" / "gen_protos.py"
CREDITSCORE_PROTOS = (
    "creditscore/v1/application.proto",
    "creditscore/v1/credit_score.proto",
    "creditscore/v1/rules.proto",
)

# Application fields whose name is not the Kaggle column in lower case (they carry a unit).
RENAMED_COLUMNS = {"OWN_CAR_AGE": "own_car_age_years"}

# FileDescriptorProto field numbers used in SourceCodeInfo location paths.
_MESSAGE_TYPE, _ENUM_TYPE, _SERVICE, _EXTENSION = 4, 5, 6, 7
_FIELD, _NESTED_TYPE, _NESTED_ENUM, _ONEOF_DECL = 2, 3, 4, 8
_ENUM_VALUE, _METHOD = 2, 2


def _load_gen_protos() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_protos", GEN_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen_protos = _load_gen_protos()


def _buf() -> str:
    beside_python = Path(sys.executable).parent / "buf"
    found = str(beside_python) if beside_python.is_file() else shutil.which("buf")
    if found is None:
        pytest.skip("the buf binary is absent (install the test extra: PyPI package buf-bin)")
    return found


@pytest.fixture(scope="module")
def descriptor_set(tmp_path_factory: pytest.TempPathFactory) -> descriptor_pb2.FileDescriptorSet:
    """The creditscore.v1 files compiled by protoc with their comments (source info)."""
    out = tmp_path_factory.mktemp("descriptors") / "creditscore.binpb"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"--proto_path={PROTO_ROOT}",
            f"--proto_path={gen_protos.googleapis_include()}",
            "--include_source_info",
            f"--descriptor_set_out={out}",
            *CREDITSCORE_PROTOS,
        ],
        check=True,
        capture_output=True,
    )
    return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())


def test_buf_lint_reports_no_violation() -> None:
    result = subprocess.run(
        [_buf(), "lint", "protos"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_buf_format_leaves_every_proto_unchanged() -> None:
    result = subprocess.run(
        [_buf(), "format", "-d", "--exit-code", "protos"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_committed_generated_code_matches_the_protos() -> None:
    result = subprocess.run(
        [sys.executable, str(GEN_SCRIPT), "--check"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_mode_lists_changed_missing_and_leftover_files(tmp_path: Path) -> None:
    for package in gen_protos.GENERATED_PACKAGES:
        shutil.copytree(REPO_ROOT / package, tmp_path / package)
    (tmp_path / "creditscore/v1/credit_score_pb2.py").write_text("# edited by hand\n")
    (tmp_path / "inference/model_config_pb2.pyi").unlink()
    (tmp_path / "inference/removed_pb2.py").write_text("# from a deleted .proto\n")

    assert gen_protos.stale_files(tmp_path) == [
        "creditscore/v1/credit_score_pb2.py",
        "inference/model_config_pb2.pyi",
        "inference/removed_pb2.py",
    ]
    assert gen_protos.main(["--check", "--out", str(tmp_path)]) == 1


def test_generated_modules_import_and_expose_both_services() -> None:
    from creditscore.v1 import application_pb2, credit_score_pb2, credit_score_pb2_grpc
    from inference import grpc_service_pb2, grpc_service_pb2_grpc, model_config_pb2

    assert application_pb2.Application.DESCRIPTOR.full_name == "creditscore.v1.Application"
    service = credit_score_pb2.DESCRIPTOR.services_by_name["CreditScoreService"]
    assert [m.name for m in service.methods] == [
        "Score",
        "ScoreBatch",
        "Explain",
        "GetClient",
        "SearchClients",
        "ComparePeers",
        "GetModelInfo",
        "SuggestChanges",
    ]
    for method in service.methods:
        assert method.input_type.name == f"{method.name}Request"
        assert method.output_type.name == f"{method.name}Response"
    assert hasattr(credit_score_pb2_grpc, "CreditScoreServiceServicer")
    assert hasattr(credit_score_pb2_grpc, "add_CreditScoreServiceServicer_to_server")

    inference = grpc_service_pb2.DESCRIPTOR.services_by_name["GRPCInferenceService"]
    assert inference.full_name == "inference.GRPCInferenceService"
    assert {m.name for m in inference.methods} == {
        "ServerLive",
        "ServerReady",
        "ModelReady",
        "ServerMetadata",
        "ModelMetadata",
        "ModelInfer",
        "ModelConfig",
        "ModelStatistics",
    }
    assert hasattr(grpc_service_pb2_grpc, "GRPCInferenceServiceServicer")
    assert model_config_pb2.DataType.Value("TYPE_FP64") == 12


def _documented_elements(
    file: descriptor_pb2.FileDescriptorProto,
) -> Iterator[tuple[tuple[int, ...], str]]:
    """(source path, name) of every message, field, oneof, enum, value, service, rpc."""

    def enum(path: tuple[int, ...], proto: descriptor_pb2.EnumDescriptorProto) -> Iterator:
        yield path, f"enum {proto.name}"
        for i, value in enumerate(proto.value):
            yield (*path, _ENUM_VALUE, i), f"enum value {value.name}"

    def message(path: tuple[int, ...], proto: descriptor_pb2.DescriptorProto) -> Iterator:
        yield path, f"message {proto.name}"
        for i, field in enumerate(proto.field):
            yield (*path, _FIELD, i), f"field {proto.name}.{field.name}"
        for i, oneof in enumerate(proto.oneof_decl):
            if not oneof.name.startswith("_"):  # synthetic oneof of a proto3 `optional`
                yield (*path, _ONEOF_DECL, i), f"oneof {proto.name}.{oneof.name}"
        for i, nested in enumerate(proto.nested_type):
            yield from message((*path, _NESTED_TYPE, i), nested)
        for i, nested_enum in enumerate(proto.enum_type):
            yield from enum((*path, _NESTED_ENUM, i), nested_enum)

    for i, proto in enumerate(file.message_type):
        yield from message((_MESSAGE_TYPE, i), proto)
    for i, proto_enum in enumerate(file.enum_type):
        yield from enum((_ENUM_TYPE, i), proto_enum)
    for i, extension in enumerate(file.extension):
        yield (_EXTENSION, i), f"extension {extension.name}"
    for i, service in enumerate(file.service):
        yield (_SERVICE, i), f"service {service.name}"
        for j, method in enumerate(service.method):
            yield (_SERVICE, i, _METHOD, j), f"rpc {service.name}.{method.name}"


def test_every_creditscore_element_has_a_leading_comment(
    descriptor_set: descriptor_pb2.FileDescriptorSet,
) -> None:
    undocumented = []
    for file in descriptor_set.file:
        comments = {
            tuple(location.path): location.leading_comments.strip()
            for location in file.source_code_info.location
        }
        undocumented += [
            f"{file.name}: {name}"
            for path, name in _documented_elements(file)
            if not comments.get(path)
        ]
    assert undocumented == []


def _upper_snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()


def test_every_creditscore_enum_starts_with_its_unspecified_zero_value(
    descriptor_set: descriptor_pb2.FileDescriptorSet,
) -> None:
    enums = [enum for file in descriptor_set.file for enum in file.enum_type]
    assert {enum.name for enum in enums} >= {"Decision", "ContributionScale", "FeatureKind"}
    for enum in enums:
        prefix = _upper_snake(enum.name)
        assert (enum.value[0].name, enum.value[0].number) == (f"{prefix}_UNSPECIFIED", 0)
        assert all(value.name.startswith(f"{prefix}_") for value in enum.value)


def test_application_has_one_field_per_kaggle_application_test_column() -> None:
    from creditscore.v1 import application_pb2

    columns = [c for c in APPLICATION_TEST.columns if c.name != "SK_ID_CURR"]
    fields = application_pb2.Application.DESCRIPTOR.fields
    assert len(fields) == len(columns)
    for position, (column, field) in enumerate(zip(columns, fields, strict=True), start=1):
        assert field.GetOptions().Extensions[application_pb2.Kaggle.column] == column.name
        assert field.name == RENAMED_COLUMNS.get(column.name, column.name.lower())
        assert field.number == position, "field number = column position in application_test"
        assert field.has_presence, f"{field.name}: missing must be distinguishable from 0"


def test_application_field_types_follow_the_kaggle_dtypes() -> None:
    from creditscore.v1 import application_pb2

    by_column = {
        f.GetOptions().Extensions[application_pb2.Kaggle.column]: f
        for f in application_pb2.Application.DESCRIPTOR.fields
    }
    for column in APPLICATION_TEST.columns:
        if column.name == "SK_ID_CURR":
            continue
        field = by_column[column.name]
        if column.is_categorical:
            expected = {FieldDescriptor.TYPE_STRING}
        elif column.is_integer:  # 0/1 flags are bool, other integers int32
            expected = {FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_BOOL}
        else:
            expected = {FieldDescriptor.TYPE_DOUBLE}
        assert field.type in expected, column.name
    assert by_column["FLAG_DOCUMENT_3"].type == FieldDescriptor.TYPE_BOOL
    assert by_column["CNT_CHILDREN"].type == FieldDescriptor.TYPE_INT32
    assert by_column["DAYS_BIRTH"].type == FieldDescriptor.TYPE_INT32


def test_a_batch_item_holds_either_a_score_or_a_google_rpc_status() -> None:
    from google.rpc import code_pb2, status_pb2

    from creditscore.v1 import credit_score_pb2

    outcome = credit_score_pb2.ScoreBatchResult.DESCRIPTOR.oneofs_by_name["outcome"]
    assert [f.name for f in outcome.fields] == ["score", "error"]
    assert outcome.fields[1].message_type.full_name == "google.rpc.Status"

    item = credit_score_pb2.ScoreBatchResult(index=3, score=credit_score_pb2.ScoreResult())
    item.error.CopyFrom(status_pb2.Status(code=code_pb2.INVALID_ARGUMENT))
    assert item.WhichOneof("outcome") == "error"


# Field numbers and types of the messages a V2 client or perf_analyzer exchanges, as upstream.
_TRITON_FIELDS = {
    "inference.ModelInferRequest": {
        "model_name": (1, "string"),
        "model_version": (2, "string"),
        "id": (3, "string"),
        "parameters": (4, "message"),
        "inputs": (5, "message"),
        "outputs": (6, "message"),
        "raw_input_contents": (7, "bytes"),
    },
    "inference.ModelInferResponse": {
        "model_name": (1, "string"),
        "model_version": (2, "string"),
        "id": (3, "string"),
        "outputs": (5, "message"),
        "raw_output_contents": (6, "bytes"),
    },
    "inference.ModelInferRequest.InferInputTensor": {
        "name": (1, "string"),
        "datatype": (2, "string"),
        "shape": (3, "int64"),
        "contents": (5, "message"),
    },
    "inference.InferTensorContents": {
        "int64_contents": (3, "int64"),
        "fp32_contents": (6, "float"),
        "fp64_contents": (7, "double"),
        "bytes_contents": (8, "bytes"),
    },
    "inference.ModelMetadataResponse": {
        "name": (1, "string"),
        "versions": (2, "string"),
        "platform": (3, "string"),
        "inputs": (4, "message"),
        "outputs": (5, "message"),
    },
    "inference.ModelConfig": {
        "name": (1, "string"),
        "platform": (2, "string"),
        "max_batch_size": (4, "int32"),
        "input": (5, "message"),
        "output": (6, "message"),
        "instance_group": (7, "message"),
        "dynamic_batching": (11, "message"),
        "parameters": (14, "message"),
        "backend": (17, "string"),
        "model_transaction_policy": (19, "message"),
    },
    "inference.ModelInput": {"name": (1, "string"), "data_type": (2, "enum"), "dims": (4, "int64")},
    "inference.ModelStatistics": {
        "name": (1, "string"),
        "version": (2, "string"),
        "last_inference": (3, "uint64"),
        "inference_count": (4, "uint64"),
        "execution_count": (5, "uint64"),
        "inference_stats": (6, "message"),
        "batch_stats": (7, "message"),
    },
    "inference.StatisticDuration": {"count": (1, "uint64"), "ns": (2, "uint64")},
}

_TYPE_NAMES = {
    FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_BYTES: "bytes",
    FieldDescriptor.TYPE_MESSAGE: "message",
    FieldDescriptor.TYPE_ENUM: "enum",
    FieldDescriptor.TYPE_INT32: "int32",
    FieldDescriptor.TYPE_INT64: "int64",
    FieldDescriptor.TYPE_UINT64: "uint64",
    FieldDescriptor.TYPE_FLOAT: "float",
    FieldDescriptor.TYPE_DOUBLE: "double",
}


def test_inference_messages_keep_the_upstream_wire_format() -> None:
    from google.protobuf import descriptor_pool

    from inference import grpc_service_pb2  # noqa: F401  (registers the descriptors)

    pool = descriptor_pool.Default()
    for message_name, fields in _TRITON_FIELDS.items():
        descriptor = pool.FindMessageTypeByName(message_name)
        actual = {
            name: (field.number, _TYPE_NAMES[field.type])
            for name, field in descriptor.fields_by_name.items()
            if name in fields
        }
        assert actual == fields, message_name


def test_vendored_status_proto_is_the_googleapis_one() -> None:
    def definitions(path: Path) -> list[str]:
        lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
        return [line for line in lines if line and not line.startswith("//")]

    vendored = PROTO_ROOT / "third_party/googleapis/google/rpc/status.proto"
    installed = gen_protos.googleapis_include() / "google/rpc/status.proto"
    assert definitions(vendored) == definitions(installed)
