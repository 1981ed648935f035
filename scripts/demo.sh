#!/usr/bin/env bash
# The README's demo command: on a fresh Debian 12 machine (as root) it installs what is missing,
# builds keyward, starts the local ARM emulator over HTTPS with a SQLite state file, and walks
# through plan -> apply -> no-op -> out-of-band drift -> plan, the way a platform engineer would.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$KEYWARD_ROOT"

MANIFESTS=manifests/examples/payments
DEMO_DIR="$KEYWARD_ROOT/.demo"
SUB=6f1d3b6a-0c55-4a8e-9d5b-2a4c1e7f9b01   # the subscription in $MANIFESTS/keyward.yaml
# The service principal keyward signs in as (the emulator's Entra ID knows it).
export AZURE_TENANT_ID=3c1a5d2e-8f4b-4e6a-9b7c-0d2e4f6a8b10
export AZURE_CLIENT_ID=0b5e7c9a-1d3f-4a6b-8c0e-2f4a6c8e0a12
export AZURE_CLIENT_SECRET="demo-secret-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
OBJECT_ID=9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a
# Secret values come from the environment (never from git); keyward stores only an HMAC of each,
# keyed by KEYWARD_FINGERPRINT_KEY (docs/manifests/secret.md).
export KEYWARD_FINGERPRINT_KEY="demo-fingerprint-key-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export PAYMENTS_DB_PASSWORD="demo-db-password-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
export PAYMENTS_AUDIT_WEBHOOK_TOKEN="demo-webhook-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"

# keyward_shows_exit ARGS...: runs keyward and prints its exit code, which the demo goes on after
# (plan --detailed-exitcode exits 2 when there are changes; apply exits 1 on blocked work).
keyward_shows_exit() {
  local rc=0
  "$KEYWARD" "$@" || rc=$?
  echo "(exit code $rc)"
}

# arm METHOD URL [curl options...]: an authenticated ARM request to the emulator, the way another
# team or the portal changes things behind keyward's back (the answer is not shown).
arm() {
  local method=$1 url=$2; shift 2
  curl -sf --cacert "$KEYWARD_CA_FILE" -X "$method" "$url" -H "Authorization: Bearer $token" "$@" >/dev/null
}

# private_endpoint NAME LIST TARGET GROUP: a Microsoft.Network private endpoint NAME whose one
# connection, in LIST (manualPrivateLinkServiceConnections: Pending until the owner decides;
# privateLinkServiceConnections: auto-approved), asks for GROUP of the resource with id TARGET.
private_endpoint() {
  local name=$1 list=$2 target=$3 group=$4
  arm PUT "$rg_url/providers/Microsoft.Network/privateEndpoints/$name?api-version=2023-11-01" \
    -H "Content-Type: application/json" \
    -d '{"location":"westeurope","properties":{"'"$list"'":[{"name":"conn","properties":{
         "privateLinkServiceId":"'"$target"'",
         "groupIds":["'"$group"'"],"requestMessage":"please approve"}}]}}'
  echo "PUT privateEndpoints/$name"
}

step "Installing dependencies"
bash scripts/install-deps.sh
build_keyward keyward keyward-arm-emulator
KEYWARD="$BUILD_DIR/bin/keyward"

step "Starting keyward-arm-emulator (a local ARM for Microsoft.KeyVault) with state in .demo/state.db"
rm -rf "$DEMO_DIR"; mkdir -p "$DEMO_DIR"
trap stop_emulator EXIT
start_emulator "$DEMO_DIR" "$AZURE_TENANT_ID:$AZURE_CLIENT_ID:$AZURE_CLIENT_SECRET:$OBJECT_ID" --lro-seconds 2
echo "emulator listening on $EMULATOR_ENDPOINT (self-signed certificate: .demo/cert.pem)"
# keyward talks to the emulator exactly as it would to Azure: same credential flow, TLS verified.
export KEYWARD_ARM_ENDPOINT=$EMULATOR_ENDPOINT
export AZURE_AUTHORITY_HOST=$EMULATOR_ENDPOINT
export KEYWARD_CA_FILE=$DEMO_DIR/cert.pem

step "keyward validate $MANIFESTS  — schema, references and guardrails (waived ones listed), no Azure calls"
"$KEYWARD" validate "$MANIFESTS"

step "keyward plan $MANIFESTS  — what would change? (exit code 2 = changes present)"
keyward_shows_exit plan "$MANIFESTS" --detailed-exitcode

step "keyward apply $MANIFESTS --auto-approve  — the resource group, two vaults, access policies, keys, secrets, a managed HSM and its key"
# The private endpoint connections stay blocked (waiting for their endpoints): apply reports them
# as unfinished work and exits 1.
keyward_shows_exit apply "$MANIFESTS" --auto-approve

token=$(curl -sf --cacert "$KEYWARD_CA_FILE" -X POST \
  "$EMULATOR_ENDPOINT/$AZURE_TENANT_ID/oauth2/v2.0/token" \
  --data-urlencode "grant_type=client_credentials" --data-urlencode "client_id=$AZURE_CLIENT_ID" \
  --data-urlencode "client_secret=$AZURE_CLIENT_SECRET" \
  --data-urlencode "scope=https://management.azure.com/.default" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
rg_url="$EMULATOR_ENDPOINT/subscriptions/$SUB/resourceGroups/rg-payments"
vault_url="$rg_url/providers/Microsoft.KeyVault/vaults/payments-kv?api-version=2024-11-01"
rg_id="/subscriptions/$SUB/resourceGroups/rg-payments"

step "Another team creates private endpoints to payments-kv and payments-hsm (Microsoft.Network, not keyward)"
# pe-checkout-api asks for manual approval (Pending); pe-legacy-batch is auto-approved.
private_endpoint pe-checkout-api manualPrivateLinkServiceConnections \
  "$rg_id/providers/Microsoft.KeyVault/vaults/payments-kv" vault
private_endpoint pe-legacy-batch privateLinkServiceConnections \
  "$rg_id/providers/Microsoft.KeyVault/vaults/payments-kv" vault
private_endpoint pe-signing-service manualPrivateLinkServiceConnections \
  "$rg_id/providers/Microsoft.KeyVault/managedHSMs/payments-hsm" managedhsm

step "keyward apply --auto-approve — approve checkout-api and signing-service, reject legacy-batch"
"$KEYWARD" apply "$MANIFESTS" --auto-approve

step "keyward plan again — live state now matches the manifests (exit code 0 = no changes)"
keyward_shows_exit plan "$MANIFESTS" --detailed-exitcode

step "Someone changes the vault in the portal: public network access enabled"
arm PATCH "$vault_url" -H "Content-Type: application/json" -d '{"properties":{"publicNetworkAccess":"Enabled"}}'
echo "PATCH payments-kv: properties.publicNetworkAccess = Enabled"

step "keyward plan — the drift shows up as exactly that field"
keyward_shows_exit plan "$MANIFESTS" --detailed-exitcode

step "keyward audit — the guardrail rules on what is live, with no manifests (docs/guardrails.md)"
# The plan judges the manifests (which say Disabled, so no finding there); audit judges Azure as it
# is now: the portal change is KW-KV-003, and what the manifests waive is reported too (waivers
# live in manifests, which audit does not read).
"$KEYWARD" audit --subscription "$SUB" --resource-group rg-payments

step "Someone deletes the vault: Key Vault soft-deletes it and holds the name"
arm DELETE "$vault_url"
echo "DELETE payments-kv"

step "keyward plan — keyward plans a recover (then re-applies the desired properties), not a failing create"
keyward_shows_exit plan "$MANIFESTS" --detailed-exitcode

step "keyward apply --auto-approve — recover and converge"
# The deleted vault's private endpoint connections were out of reach when this plan was made
# (blocked, exit 1); recover brings them back, so the next plan is clean.
keyward_shows_exit apply "$MANIFESTS" --auto-approve
keyward_shows_exit plan "$MANIFESTS" --detailed-exitcode

step "The same plan for a pull request: saved, shown as Markdown, applied exactly (docs/ci.md)"
# --sarif: the guardrail findings for GitHub code scanning annotations.
"$KEYWARD" plan "$MANIFESTS" --out "$DEMO_DIR/pr.plan" --sarif "$DEMO_DIR/pr.sarif" >/dev/null
"$KEYWARD" show "$DEMO_DIR/pr.plan" --format markdown | sed -n 1,20p  # reads it all: head would close the pipe early (SIGPIPE under pipefail)
"$KEYWARD" apply "$DEMO_DIR/pr.plan" "$MANIFESTS"

step "Stopping the emulator (its state stays in .demo/state.db)"
stop_emulator
echo "Demo finished."
