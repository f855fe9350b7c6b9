#!/usr/bin/env bash
# The main job of `make demo`: synthetic data -> trained model -> gRPC server + advisors' web app.
# Re-running reuses the data and the model; DEMO_FRESH=1 rebuilds both.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
DIR=${DEMO_DIR:-demo_output}
CLIENTS=${DEMO_CLIENTS:-30000}
GRPC_PORT=${DEMO_GRPC_PORT:-50051}
UI_PORT=${DEMO_UI_PORT:-7860}
DEMO_USER=${DEMO_USER:-advisor}
DEMO_PASSWORD=${DEMO_PASSWORD:-demo-credit}

if [[ "${DEMO_FRESH:-0}" == "1" ]]; then rm -rf "$DIR"; fi

if [[ ! -f "$DIR/data/synthetic_manifest.json" ]]; then
  echo "== 1/4 synthetic data: $CLIENTS clients"
  "$PY" -m model_build synth --clients "$CLIENTS" --seed 7 --out "$DIR/data"
else
  echo "== 1/4 synthetic data: reusing $DIR/data"
fi

if [[ ! -f "$DIR/artifacts/model_card.json" ]]; then
  echo "== 2/4 training"
  "$PY" -m model_build train --data "$DIR/data" --out "$DIR/artifacts"
else
  echo "== 2/4 training: reusing $DIR/artifacts (DEMO_FRESH=1 to retrain)"
fi
"$PY" - "$DIR/artifacts/model_card.json" <<'PYEOF'
import json, sys
card = json.load(open(sys.argv[1]))
m = card["metrics"]
print(f"   model {card['model_version']}: ROC AUC {m['roc_auc']:.4f}, PR AUC {m['pr_auc']:.4f}, "
      f"KS {m['ks']:.4f}, Brier {m['brier']:.4f}; threshold {card['threshold']:.4f}; "
      f"business cost {m['business_cost']:,.0f} (accept all {m['business_cost_accept_all']:,.0f}, "
      f"refuse all {m['business_cost_refuse_all']:,.0f})")
PYEOF

echo "== 3/4 gRPC server on 127.0.0.1:$GRPC_PORT"
"$PY" -m server --artifacts "$DIR/artifacts" --host 127.0.0.1 --port "$GRPC_PORT" &
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null || true' EXIT INT TERM
"$PY" - "$GRPC_PORT" <<'PYEOF'
import sys, time, grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
channel = grpc.insecure_channel(f"127.0.0.1:{sys.argv[1]}")
stub = health_pb2_grpc.HealthStub(channel)
for _ in range(600):
    try:
        if stub.Check(health_pb2.HealthCheckRequest(), timeout=1).status == 1:
            break
    except grpc.RpcError:
        time.sleep(0.2)
else:
    sys.exit("error: the gRPC server did not become ready")
PYEOF

echo "== 4/4 advisors' web app"
echo
echo "   Open http://127.0.0.1:$UI_PORT   (login: $DEMO_USER / $DEMO_PASSWORD)"
echo "   gRPC API at 127.0.0.1:$GRPC_PORT (reflection on: grpcurl -plaintext 127.0.0.1:$GRPC_PORT list)"
echo "   Ctrl-C stops both."
echo
CREDITSCORE_UI_USERS="$DEMO_USER:$DEMO_PASSWORD" \
  "$PY" -m gradio_ui --server "127.0.0.1:$GRPC_PORT" --port "$UI_PORT"
