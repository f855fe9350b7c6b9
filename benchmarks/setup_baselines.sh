#!/usr/bin/env bash
# Installs the optional benchmark baselines in their own venv (.venv-bench, git-ignored):
# MLServer with its LightGBM runtime, and Triton's perf_analyzer (a C++ binary shipped inside
# the tritonclient 2.48.0 wheel). They pin protobuf / grpcio versions that conflict with the
# project's, hence the separate venv. `python -m benchmarks run` finds them there or skips them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${BENCH_VENV:-$ROOT/.venv-bench}"
PYTHON_BOOT="${PYTHON_BOOT:-$(command -v python3.11 || command -v python3)}"

# perf_analyzer links libb64 (Debian) and the CUDA runtime (PyPI wheel below), even on CPU.
# h2load (nghttp2-client) is the C load generator of `python -m benchmarks processes`.
missing=""
dpkg -s libb64-0d >/dev/null 2>&1 || missing="$missing libb64-0d"
command -v h2load >/dev/null || missing="$missing nghttp2-client"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
  else
    echo "warning:$missing missing and this is not root: perf_analyzer / h2load will be skipped" >&2
  fi
fi

test -x "$VENV/bin/python" || "$PYTHON_BOOT" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
# uvloop 0.22 crashes MLServer's worker processes.
"$VENV/bin/python" -m pip install --quiet "mlserver>=1.6,<2" "mlserver-lightgbm>=1.6,<2" "uvloop<0.22"
# Only the perf_analyzer binary of this wheel is used: no Python dependencies needed.
"$VENV/bin/python" -m pip install --quiet --no-deps "tritonclient==2.48.0"
"$VENV/bin/python" -m pip install --quiet "nvidia-cuda-runtime-cu12>=12,<13"
echo "baselines installed in $VENV"
