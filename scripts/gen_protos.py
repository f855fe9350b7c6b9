"""Generate the Python code of the gRPC contracts in protos/ with grpc_tools.protoc."""

from __future__ import annotations

import argparse
import filecmp
import importlib.util
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = [
    "GENERATED_PACKAGES",
    "PROTO_PACKAGES",
    "generate",
    "googleapis_include",
    "main",
    "stale_files",
]

REPO_ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = REPO_ROOT / "protos"

# Python packages the script owns, with the text of their __init__.py: each is the directory
# of .proto files of the same path under PROTO_ROOT. protoc names a generated module after its
# .proto path (creditscore/v1/credit_score.proto -> creditscore.v1.credit_score_pb2), so with
# the repository root as output root its absolute imports (`from creditscore.v1 import
# application_pb2`) resolve without rewriting. creditscore/__init__.py already exists and is
# not ours, so it is left alone.
GENERATED_PACKAGES: dict[str, str] = {
    "creditscore/v1": '"""Generated code of the creditscore.v1 gRPC contract."""\n',
    "inference": '"""Generated code of the KServe V2 / Triton gRPC contract."""\n',
}
PROTO_PACKAGES: tuple[str, ...] = tuple(GENERATED_PACKAGES)

GENERATED_SUFFIXES: tuple[str, ...] = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py")


def googleapis_include() -> Path:
    """Root of the installed googleapis-common-protos, which holds google/rpc/*.proto."""
    spec = importlib.util.find_spec("google.rpc")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("googleapis-common-protos is not installed (google.rpc not importable)")
    for location in spec.submodule_search_locations:
        root = Path(location).parent.parent
        if (root / "google" / "rpc" / "status.proto").is_file():
            return root
    raise SystemExit("googleapis-common-protos ships no google/rpc/status.proto")


def proto_files() -> list[str]:
    """The .proto files to compile, relative to PROTO_ROOT, in a stable order."""
    files = sorted(
        path.relative_to(PROTO_ROOT).as_posix()
        for package in PROTO_PACKAGES
        for path in (PROTO_ROOT / package).glob("*.proto")
    )
    if not files:
        raise SystemExit(f"no .proto files under {PROTO_ROOT}")
    return files


def generate(out_root: Path) -> list[Path]:
    """Write the generated modules and __init__.py files under ``out_root``; return them."""
    for package, init_text in GENERATED_PACKAGES.items():
        package_dir = out_root / package
        package_dir.mkdir(parents=True, exist_ok=True)
        (package_dir / "__init__.py").write_text(init_text, encoding="utf-8")
    files = proto_files()
    # Messages of every file; gRPC stubs only for files that define a service (protoc's gRPC
    # plugin would otherwise write an empty *_pb2_grpc.py for each message-only file).
    _protoc([f"--python_out={out_root}", f"--pyi_out={out_root}", *files])
    _protoc([f"--grpc_python_out={out_root}", *[f for f in files if _has_service(f)]])
    return generated_files(out_root)


def _has_service(proto: str) -> bool:
    text = (PROTO_ROOT / proto).read_text(encoding="utf-8")
    return any(line.startswith("service ") for line in text.splitlines())


def _protoc(arguments: list[str]) -> None:
    command = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"--proto_path={PROTO_ROOT}",
        f"--proto_path={googleapis_include()}",
        *arguments,
    ]
    result = subprocess.run(command, cwd=PROTO_ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"protoc failed:\n{result.stderr.strip()}")


def generated_files(root: Path) -> list[Path]:
    """The files of the generated packages under ``root``, relative to it."""
    found: list[Path] = []
    for package in GENERATED_PACKAGES:
        package_dir = root / package
        if not package_dir.is_dir():
            continue
        for path in sorted(package_dir.iterdir()):
            if path.name == "__init__.py" or path.name.endswith(GENERATED_SUFFIXES):
                found.append(path.relative_to(root))
    return found


def stale_files(committed_root: Path) -> list[str]:
    """Generated files under ``committed_root`` that differ from a fresh generation.

    A file differs when its content changed, when it should exist and does not, or when it
    exists and is no longer generated (a leftover of a removed .proto).
    """
    with tempfile.TemporaryDirectory(prefix="gen_protos_") as tmp:
        fresh_root = Path(tmp)
        fresh = set(generate(fresh_root))
        committed = set(generated_files(committed_root))
        differing = [
            path.as_posix()
            for path in sorted(fresh | committed)
            if path not in fresh
            or path not in committed
            or not filecmp.cmp(fresh_root / path, committed_root / path, shallow=False)
        ]
    return differing


def remove_leftovers(out_root: Path, keep: list[Path]) -> None:
    """Delete generated modules of .proto files that no longer exist."""
    for path in generated_files(out_root):
        if path not in keep:
            (out_root / path).unlink()


def main(argv: list[str] | None = None) -> int:
    """Generate into the repository (default) or, with --check, compare against a fresh run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate into a temporary directory and fail if the committed code differs",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO_ROOT,
        help="output root (the import root of the generated packages); default: the repository",
    )
    args = parser.parse_args(argv)
    out_root: Path = args.out.resolve()
    if args.check:
        differing = stale_files(out_root)
        if differing:
            print("generated protobuf code is out of date; run scripts/gen_protos.py:")
            for name in differing:
                print(f"  {name}")
            return 1
        print("generated protobuf code is up to date")
        return 0
    with tempfile.TemporaryDirectory(prefix="gen_protos_") as tmp:
        fresh_root = Path(tmp)
        written = generate(fresh_root)
        for path in written:
            (out_root / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(fresh_root / path, out_root / path)
    remove_leftovers(out_root, written)
    for path in written:
        print(path.as_posix())
    return 0


if __name__ == "__main__":
    sys.exit(main())
