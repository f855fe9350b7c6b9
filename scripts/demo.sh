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
METRICS_PORT=${DEMO_METRICS_PORT:-9464}
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

# Secure by default, even for the demo: a local CA and certificates, a credentials file with
# the web app's advisor token and a scoring token for command-line calls, and the demo
# advisor's argon2id-hashed password. Made once, kept in $DIR/secrets (mode 0600 files).
SECRETS="$DIR/secrets"
if [[ ! -f "$SECRETS/credentials.json" ]]; then
  mkdir -p "$SECRETS" && chmod 700 "$SECRETS"
  "$PY" -m server.security certificates --out "$SECRETS" >/dev/null
  "$PY" -m server.security mint-token --credentials "$SECRETS/credentials.json" \
    --name web-app --role advisor > "$SECRETS/web-app.token" 2>/dev/null
  "$PY" -m server.security mint-token --credentials "$SECRETS/credentials.json" \
    --name demo-scoring --role scoring > "$SECRETS/scoring.token" 2>/dev/null
  chmod 600 "$SECRETS"/*.token
fi
# Added after the first release of the demo: secrets made before it lack the auditor.
if [[ ! -f "$SECRETS/auditor.token" ]]; then
  "$PY" -m server.security mint-token --credentials "$SECRETS/credentials.json" \
    --name demo-auditor --role auditor > "$SECRETS/auditor.token" 2>/dev/null
  chmod 600 "$SECRETS/auditor.token"
fi
unset CREDITSCORE_UI_USERS
printf '%s\n' "$DEMO_PASSWORD" | "$PY" -m gradio_ui.passwords hash "$DEMO_USER" > "$SECRETS/ui-users.txt"
chmod 600 "$SECRETS/ui-users.txt"

echo "== 3/4 gRPC server on 127.0.0.1:$GRPC_PORT (TLS, callers with tokens)"
"$PY" -m server --artifacts "$DIR/artifacts" --host 127.0.0.1 --port "$GRPC_PORT" \
  --tls-cert "$SECRETS/server.pem" --tls-key "$SECRETS/server.key" \
  --credentials "$SECRETS/credentials.json" --metrics-port "$METRICS_PORT" &
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null || true' EXIT INT TERM
"$PY" - "$GRPC_PORT" "$SECRETS/ca.pem" <<'PYEOF'
import sys, time, grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
with open(sys.argv[2], "rb") as ca:
    credentials = grpc.ssl_channel_credentials(root_certificates=ca.read())
channel = grpc.secure_channel(f"127.0.0.1:{sys.argv[1]}", credentials)
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
echo "   gRPC API at 127.0.0.1:$GRPC_PORT over TLS; a scoring call from the command line:"
echo "     .venv/bin/buf curl --protocol grpc --schema protos --cacert $SECRETS/ca.pem \\"
echo "       -H \"authorization: Bearer \$(cat $SECRETS/scoring.token)\" \\"
echo "       -d '{\"application\": {\"amt_income_total\": 150000, \"amt_credit\": 500000}}' \\"
echo "       https://127.0.0.1:$GRPC_PORT/creditscore.v1.CreditScoreService/Score"
echo "   Prometheus metrics: curl --cacert $SECRETS/ca.pem https://127.0.0.1:$METRICS_PORT/metrics"
echo "   Every decision is recorded in $DIR/decisions.sqlite; read it as an auditor:"
echo "     .venv/bin/buf curl --protocol grpc --schema protos --cacert $SECRETS/ca.pem \\"
echo "       -H \"authorization: Bearer \$(cat $SECRETS/auditor.token)\" -d '{\"page_size\": 5}' \\"
echo "       https://127.0.0.1:$GRPC_PORT/creditscore.v1.DecisionRecordService/ListDecisions"
echo "     .venv/bin/python -m server.records export --record-db $DIR/decisions.sqlite --out decisions.parquet"
echo "   Ctrl-C stops both."
echo
"$PY" -m gradio_ui --server "127.0.0.1:$GRPC_PORT" --port "$UI_PORT" \
  --auth-file "$SECRETS/ui-users.txt" --server-ca "$SECRETS/ca.pem" \
  --server-token-file "$SECRETS/web-app.token"
