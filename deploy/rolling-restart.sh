#!/usr/bin/env bash
# Restarts the Agora instances one at a time, each only after the one before is ready
# again: usage: deploy/rolling-restart.sh 8001 8002 8003
# After an instance is ready, nginx still leaves it alone until its fail_timeout (5 s in
# deploy/nginx/agora.conf) has passed: stopping the next one sooner could leave nginx
# with no instance it believes in.
set -euo pipefail
FAIL_TIMEOUT_S="${FAIL_TIMEOUT_S:-5}"
for port in "$@"; do
  echo "restarting agora@$port"
  # Drains (/ready 503, Connection: close), then stops; systemd waits for it.
  systemctl restart "agora@$port"
  for _ in $(seq 120); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/ready" && break
    sleep 0.5
  done
  curl -fsS -o /dev/null "http://127.0.0.1:$port/ready" || { echo "agora@$port is not ready; stopping here" >&2; exit 1; }
  sleep "$((FAIL_TIMEOUT_S + 1))"
done
