#!/usr/bin/env bash
# Runs the whole system on this machine for `make run`: the sandbox (standing in for WhatsApp
# and Mercado Pago) and `reservas all`, on the Postgres and Redis of deploy/services.sh.
# The secrets below are for this local sandbox only; production sets its own (deploy/env.example).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
eval "$(deploy/services.sh env)"

sandbox_port=${SANDBOX_PORT:-8090}
http_port=${RESERVAS_PORT:-8080}
export SANDBOX_ADDR=127.0.0.1:$sandbox_port
export SANDBOX_URL=http://localhost:$sandbox_port
export RESERVAS_URL=http://localhost:$http_port
export HTTP_ADDR=127.0.0.1:$http_port
export PUBLIC_BASE_URL=http://localhost:$http_port
export WHATSAPP_API_URL=$SANDBOX_URL/graph/v25.0
export WHATSAPP_TOKEN=${WHATSAPP_TOKEN:-sandbox-token}
export WHATSAPP_PHONE_NUMBER_ID=${WHATSAPP_PHONE_NUMBER_ID:-106540352242922}
export WHATSAPP_APP_SECRET=${WHATSAPP_APP_SECRET:-sandbox-app-secret}
export WHATSAPP_VERIFY_TOKEN=${WHATSAPP_VERIFY_TOKEN:-sandbox-verify-token}
export MP_API_URL=$SANDBOX_URL/mp
export MP_ACCESS_TOKEN=${MP_ACCESS_TOKEN:-sandbox-mp-token}
export MP_WEBHOOK_SECRET=${MP_WEBHOOK_SECRET:-sandbox-mp-secret}
export OWNER_PHONE=${OWNER_PHONE:-5491100000000}
export SESSION_SECRET=${SESSION_SECRET:-sandbox-session-secret-change-me-0123456789}
export LOG_LEVEL=${LOG_LEVEL:-info}

admin_email=${ADMIN_EMAIL:-owner@example.com}
admin_password=${ADMIN_PASSWORD:-cabanas-demo}
if bin/reservas admin add-user --email "$admin_email" --password-stdin <<<"$admin_password" >/dev/null 2>&1; then
  :
fi

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

# Voice notes: a real recogniser when STT_URL is set; otherwise the limited offline demo
# recogniser (PocketSphinx with a Spanish booking-phrase grammar) when pocketsphinx is installed.
stt_note="voice notes: STT_URL=${STT_URL:-}"
if [ -z "${STT_URL:-}" ]; then
  if command -v pocketsphinx_continuous >/dev/null 2>&1; then
    bin/sttdemo -addr 127.0.0.1:${STTDEMO_PORT:-9090} >/dev/null 2>&1 & pids+=($!)
    export STT_URL=http://127.0.0.1:${STTDEMO_PORT:-9090}/v1 STT_MODEL=sttdemo
    stt_note="voice notes: LIMITED DEMO recogniser (booking phrases only); set STT_URL for a real one"
  else
    stt_note="voice notes: no recogniser (apt-get install pocketsphinx pocketsphinx-en-us, or set STT_URL); guests are asked to type"
  fi
fi

bin/sandbox & pids+=($!)
bin/reservas all & pids+=($!)

for _ in $(seq 1 50); do
  curl -fsS "http://127.0.0.1:$http_port/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
cat <<EOF

  Reservas is running.
    Chat with the bot as a guest:   $SANDBOX_URL/
    See what the owner receives:    $SANDBOX_URL/  (set "Tu número" to $OWNER_PHONE)
    Admin:                          $PUBLIC_BASE_URL/admin   ($admin_email / $admin_password)
    Queues (asynqmon):              $PUBLIC_BASE_URL/admin/queues
    Metrics:                        $PUBLIC_BASE_URL/metrics
    $stt_note
  Ctrl-C stops it (Postgres and Redis keep running: deploy/services.sh down).

EOF
wait -n "${pids[@]}"
