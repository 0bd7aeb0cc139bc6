#!/usr/bin/env bash
# ./build.sh deploy <resource-group> [location] [name=value ...]
# Deploys infra/ into the resource group (created in `location`, default westeurope, when missing), publishes
# functions/ to the new Function App, writes the connector definition for it to artifacts/connector/, prints the
# import commands and checks /api/health. Needs the Azure CLI, logged in (`az login`), the .NET 10 SDK and Node.js.
# Secrets come from the environment, never the command line: SYNTHFLOW_API_KEY (empty or unset: sandbox mode) and
# SYNTHFLOW_WEBHOOK_SECRET. Other name=value arguments override infra/main.bicep parameters (e.g. synthflowRegion=eu).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: ./build.sh deploy <resource-group> [location] [parameter=value ...]" >&2; exit 2; }
step() { printf '\n==> %s\n' "$*"; }

group=${1:-}
[ -n "$group" ] && [[ "$group" != -* ]] || usage
shift
location=westeurope
if [ $# -gt 0 ] && [[ "$1" != *=* ]]; then location=$1; shift; fi
for override in "$@"; do
  case "$override" in
    synthflowApiKey=* | synthflowWebhookSecret=*)
      echo "Pass secrets in SYNTHFLOW_API_KEY / SYNTHFLOW_WEBHOOK_SECRET, not on the command line." >&2; exit 2 ;;
    *=*) ;;
    *) usage ;;
  esac
done

command -v az >/dev/null || { echo "The Azure CLI (az) is required: https://aka.ms/azure-cli" >&2; exit 1; }
az account show --query "{subscription: name, id: id}" -o tsv >/dev/null 2>&1 \
  || { echo "Log in first: az login (then az account set --subscription <id> if you have several)." >&2; exit 1; }

step "Building infra/ (Bicep)"
./build.sh infra

step "Resource group $group"
if existing=$(az group show -n "$group" --query location -o tsv 2>/dev/null); then
  echo "exists, in $existing"
else
  az group create -n "$group" -l "$location" -o none
  echo "created in $location"
fi

step "Deploying infra/ (storage, Key Vault, Application Insights, Function App)"
if [ -z "${SYNTHFLOW_API_KEY:-}" ]; then
  echo "SYNTHFLOW_API_KEY is not set: the app runs in sandbox mode (no real call can be placed)."
fi
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
# The secrets go in a file only this user can read (never in argv, where other processes could see them).
(umask 077 && node -e '
  const fs = require("fs");
  fs.writeFileSync(process.argv[1], JSON.stringify({
    $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
    contentVersion: "1.0.0.0",
    parameters: {
      synthflowApiKey: { value: process.env.SYNTHFLOW_API_KEY || "" },
      synthflowWebhookSecret: { value: process.env.SYNTHFLOW_WEBHOOK_SECRET || "" },
    },
  }));
' "$workdir/secrets.parameters.json")
overrides=()
if [ $# -gt 0 ]; then overrides=(--parameters "$@"); fi
az deployment group create -g "$group" -n "synthflow-$(date -u +%Y%m%d%H%M%S)" \
  --template-file artifacts/infra/main.json \
  --parameters @artifacts/infra/main.parameters.json \
  --parameters "@$workdir/secrets.parameters.json" \
  "${overrides[@]}" \
  --query properties.outputs -o json >"$workdir/outputs.json"
output() { node -e 'console.log(require(process.argv[1])[process.argv[2]].value)' "$workdir/outputs.json" "$1"; }
app=$(output functionAppName)
host=$(output functionAppHostName)
echo "Function App $app (https://$host), Key Vault $(output keyVaultName), storage $(output storageAccountName)"

step "Publishing functions/"
./build.sh publish "$workdir/publish" "artifacts/functions.zip"

step "Deploying the package to $app"
az functionapp deployment source config-zip -g "$group" -n "$app" --src artifacts/functions.zip -o none

step "Connector definition for $host"
./build.sh connector-copy "$host"

step "Smoke check: https://$host/api/health"
health=""
for _ in $(seq 1 30); do
  if health=$(curl -fsS --max-time 10 "https://$host/api/health" 2>/dev/null); then break; fi
  health=""
  sleep 10
done
if [ -z "$health" ]; then
  echo "https://$host/api/health did not answer 200 in about 5 minutes; see the app's Log stream in the portal." >&2
  exit 1
fi
echo "$health"

cat <<EOF

Deployed. Next, import the connector into a Power Platform environment (README, "Importing the connector"):

  # the environment id: pac env list, or https://admin.powerplatform.microsoft.com (Environments > your environment)
  paconn login
  paconn create --api-def artifacts/connector/apiDefinition.swagger.json --api-prop artifacts/connector/apiProperties.json --icon artifacts/connector/icon.png --environment <ENVIRONMENT_ID>

  # or, with the Power Platform CLI:
  pac auth create --environment <ENVIRONMENT_ID>
  pac connector create --api-definition-file artifacts/connector/apiDefinition.swagger.json --api-properties-file artifacts/connector/apiProperties.json --icon-file artifacts/connector/icon.png --environment <ENVIRONMENT_ID>

A connection asks for the host name ($host) and a function key:
  az functionapp keys list -g $group -n $app --query functionKeys.default -o tsv
EOF
