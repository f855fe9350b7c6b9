#!/usr/bin/env bash
# Makes the secret files the deployments read, with the project's own commands (tokens, the
# advisors' users file) and openssl (a CA and a server certificate naming the addresses the
# clients dial: `python -m server.security certificates` names only localhost).
#
#   deploy/make-secrets.sh kubernetes   # deploy/base/secrets/ + deploy/overlays/production/secrets/
#   deploy/make-secrets.sh compose      # deploy/compose/secrets/
#
# Files that exist are kept (delete one to make it again). The advisor's password is read from
# standard input (no echo on a terminal). Variables: ADVISOR (user name, default advisor),
# NAMESPACE (default creditscore) and CLUSTER_DOMAIN (default cluster.local) for the
# certificate's names, PYTHON (default .venv/bin/python, else python3).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="${1:-}"
ADVISOR="${ADVISOR:-advisor}"
NAMESPACE="${NAMESPACE:-creditscore}"
CLUSTER_DOMAIN="${CLUSTER_DOMAIN:-cluster.local}"
PYTHON="${PYTHON:-$( [[ -x "$here/../.venv/bin/python" ]] && echo "$here/../.venv/bin/python" || echo python3)}"

case "$target" in
  kubernetes)
    out="$here/base/secrets"
    postgres_out="$here/overlays/production/secrets"
    service="creditscore-server"
    names="DNS:$service,DNS:$service.$NAMESPACE,DNS:$service.$NAMESPACE.svc"
    names="$names,DNS:$service.$NAMESPACE.svc.$CLUSTER_DOMAIN"
    ;;
  compose)
    out="$here/compose/secrets"
    postgres_out="$out"
    # `server` for the web app and the healthcheck; localhost for clients on the host.
    names="DNS:server,DNS:localhost,IP:127.0.0.1"
    ;;
  *)
    echo "usage: $0 kubernetes|compose" >&2
    exit 2
    ;;
esac
mkdir -p "$out" "$postgres_out"
# Secrets are readable by their owner only on the host: the directories are 0700. Compose
# bind-mounts each file as it is (it cannot change a file's owner or mode), so the files
# themselves are 0644 and the container's user (uid 10001) can read them.
chmod 700 "$out" "$postgres_out"
umask 022

if [[ ! -f "$out/server.pem" ]]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  # P-256 keys, as server.security's local CA: quick to make, supported by gRPC's BoringSSL.
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
    -subj "/CN=creditscore CA" -keyout "$work/ca.key" -out "$out/ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=creditscore-server" -keyout "$out/server.key" -out "$work/server.csr" 2>/dev/null
  printf '%s\n' "subjectAltName=$names" "extendedKeyUsage=serverAuth" \
    "keyUsage=critical,digitalSignature" "basicConstraints=critical,CA:FALSE" > "$work/ext"
  openssl x509 -req -in "$work/server.csr" -CA "$out/ca.pem" -CAkey "$work/ca.key" \
    -CAcreateserial -CAserial "$work/ca.srl" -days 365 -extfile "$work/ext" \
    -out "$out/server.pem" 2>/dev/null
  # The CA's key is not kept (as server.security's): run again to issue new certificates.
  echo "certificates: $out/ca.pem, server.pem, server.key ($names)"
fi

if [[ ! -f "$out/web-app.token" ]]; then
  "$PYTHON" -m server.security mint-token --credentials "$out/credentials.json" \
    --name web-app --role advisor > "$out/web-app.token" 2>/dev/null
  echo "token of the web app (role advisor): $out/web-app.token, hash in credentials.json"
fi

if [[ ! -f "$out/ui-users.txt" ]]; then
  [[ -t 0 ]] && echo "password of the advisor $ADVISOR:"
  "$PYTHON" -m gradio_ui.passwords hash "$ADVISOR" > "$out/ui-users.txt"
  echo "users file of the web app: $out/ui-users.txt ($ADVISOR)"
fi

if [[ ! -f "$postgres_out/postgres-password" ]]; then
  # No newline at the end: the Secret's bytes become PGPASSWORD as they are.
  "$PYTHON" -c 'import secrets, sys; sys.stdout.write(secrets.token_urlsafe(32))' \
    > "$postgres_out/postgres-password"
  echo "PostgreSQL password: $postgres_out/postgres-password"
fi

if [[ "$target" == kubernetes && ! -f "$out/record-db-url" ]]; then
  # The production overlay's PostgreSQL; its password reaches the server as PGPASSWORD. For
  # an external database, put its URL here instead (with its password or sslmode), with no
  # newline at the end: the Secret's bytes become CREDITSCORE_RECORD_DB as they are.
  printf '%s' "postgresql://creditscore@creditscore-postgres:5432/creditscore" > "$out/record-db-url"
  echo "decision record URL: $out/record-db-url"
fi

if [[ "$target" == compose && ! -f "$out/postgres.env" ]]; then
  # libpq reads PGPASSWORD: the URL in compose.yaml carries no password.
  echo "PGPASSWORD=$(cat "$postgres_out/postgres-password")" > "$out/postgres.env"
  echo "server's PostgreSQL password: $out/postgres.env"
fi
chmod 644 "$out"/* "$postgres_out"/*
