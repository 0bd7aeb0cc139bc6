#!/usr/bin/env bash
# The commands of the README:
#   ./build.sh run   run the Host locally (sandbox mode unless Synthflow__ApiKey is set) with Azurite (tables and queues), on http://localhost:7071
#   ./build.sh test  validate the connector definition, then run every test (installs the pinned dev tools first when they are missing)
#   ./build.sh bench run the benchmarks (all, ~17 minutes; `--quick`: the few-minute smoke run; see bench/RESULTS.md)
#   ./build.sh infra build and lint infra/ (Bicep, warnings are errors) into artifacts/infra/
#   ./build.sh deploy <resource-group> [location] [name=value ...]  deploy infra/ and the Functions app to Azure (README, "Deploying to Azure")
#   ./build.sh publish [out dir] [zip] [dotnet publish args]  publish functions/ (Release) and zip it for zip deploy
#   ./build.sh connector-copy <host name> [out dir]  the connector definition for one deployment, in artifacts/connector/
# Extra arguments go to `dotnet run` / `dotnet test` (e.g. ./build.sh run --urls http://0.0.0.0:8080).
set -euo pipefail
cd "$(dirname "$0")"

ensure_dev_tools() {
  # npm ci is the pinned install (package-lock.json); re-run it when the lock file changed since the last install.
  if [ ! -x node_modules/.bin/azurite-table ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
  fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The Bicep CLI is a NuGet package (tools/BicepCli.csproj, version in Directory.Packages.props): restore it when missing.
bicep_cli() {
  local version packages exe
  version=$(sed -n 's/.*Include="Azure.Bicep.CommandLine.linux-x64" Version="\([^"]*\)".*/\1/p' Directory.Packages.props)
  packages=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')
  exe="${packages%/}/azure.bicep.commandline.linux-x64/$version/tools/bicep"
  if [ ! -x "$exe" ]; then dotnet restore tools/BicepCli.csproj >&2; fi
  [ -x "$exe" ] || { echo "Bicep CLI not found at $exe after restore" >&2; return 1; }
  echo "$exe"
}

build_infra() {
  local bicep output
  bicep=$(bicep_cli)
  mkdir -p artifacts/infra
  # Lint and build print nothing when clean: any output (a warning included) fails the build.
  output=$("$bicep" lint --pattern 'infra/*.bicep' 2>&1 \
    && "$bicep" build infra/main.bicep --outfile artifacts/infra/main.json 2>&1 \
    && "$bicep" build-params infra/main.bicepparam --outfile artifacts/infra/main.parameters.json 2>&1) \
    || { echo "$output" >&2; echo "infra: Bicep errors" >&2; return 1; }
  if [ -n "$output" ]; then echo "$output" >&2; echo "infra: Bicep warnings are errors" >&2; return 1; fi
  echo "infra: artifacts/infra/main.json, artifacts/infra/main.parameters.json"
}

# `dotnet publish` of functions/ and the zip that zip deploy takes (the folder's content at the root, .azurefunctions/ included).
publish_functions() {
  local out=${1:-artifacts/publish/functions} zip=${2:-artifacts/functions.zip}
  shift $(($# < 2 ? $# : 2))
  # Replaces only a previous publish output, never another folder given by mistake.
  if [ -e "$out" ] && [ -n "$(ls -A "$out")" ] && [ ! -f "$out/functions.metadata" ]; then
    echo "publish: $out exists and is not a publish output; choose another folder" >&2
    return 2
  fi
  rm -rf "$out" && rm -f "$zip" && mkdir -p "$(dirname "$zip")"
  dotnet publish functions/SynthflowConnector.Functions.csproj --configuration Release --output "$out" "$@"
  zip=$(cd "$(dirname "$zip")" && pwd)/$(basename "$zip")
  python3 -c '
import os, sys, zipfile
root, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            archive.write(path, os.path.relpath(path, root))
' "$out" "$zip"
  echo "publish: $out, $zip"
}

# connector-definition/ with the deployed host name, for paconn / pac; the source keeps its placeholder host.
connector_copy() {
  local host=${1:-} out=${2:-artifacts/connector}
  if ! [[ "$host" =~ ^[A-Za-z0-9.-]+$ ]]; then
    echo "usage: ./build.sh connector-copy <host name, e.g. func-synthflow-abc.azurewebsites.net> [out dir]" >&2
    return 2
  fi
  mkdir -p "$out"
  cp connector-definition/apiProperties.json connector-definition/settings.json connector-definition/icon.png \
    connector-definition/README.md "$out/"
  node -e '
    const fs = require("fs");
    const [source, target, host] = process.argv.slice(1);
    const definition = JSON.parse(fs.readFileSync(source, "utf8"));
    definition.host = host;
    fs.writeFileSync(target, JSON.stringify(definition, null, 2) + "\n");
  ' connector-definition/apiDefinition.swagger.json "$out/apiDefinition.swagger.json" "$host"
  echo "connector: $out (host $host)"
}

command=${1:-}
shift || true
case "$command" in
  test)
    ensure_dev_tools
    npm run --silent validate:connector   # the connector definition is valid Swagger 2.0 before the tests check its rules
    dotnet test SynthflowConnector.sln --configuration Release "$@"
    ;;
  run)
    ensure_dev_tools
    # AZURITE_TABLE_PORT / AZURITE_QUEUE_PORT: where Azurite's Table and Queue services listen (default 10002 and 10001,
    # the ports UseDevelopmentStorage=true names).
    table_port=${AZURITE_TABLE_PORT:-10002}
    queue_port=${AZURITE_QUEUE_PORT:-10001}
    azurite_pids=() host_pid=""
    # TERM or INT stops the Host, then the Azurite services this script started; `wait` below returns at once on either signal.
    stop() {
      trap - EXIT INT TERM
      if [ -n "$host_pid" ]; then kill "$host_pid" 2>/dev/null || true; wait "$host_pid" 2>/dev/null || true; fi
      for pid in "${azurite_pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    }
    trap stop EXIT
    trap 'stop; exit 130' INT
    trap 'stop; exit 143' TERM
    # start_azurite <service> <port>: Azurite's in-memory <service> (table, queue) on 127.0.0.1:<port>, or the one already there.
    start_azurite() {
      local service=$1 port=$2
      if port_open "$port"; then
        echo "Something already listens on 127.0.0.1:$port; using it as $service storage."
        return
      fi
      mkdir -p .azurite
      # The preload mends Azurite's in-memory queue GC, which otherwise stalls the service (tools/azurite-extent-gc-fix.cjs).
      NODE_OPTIONS="--require $PWD/tools/azurite-extent-gc-fix.cjs" "node_modules/.bin/azurite-$service" --inMemoryPersistence --disableTelemetry --skipApiVersionCheck \
        "--${service}Host" 127.0.0.1 "--${service}Port" "$port" >".azurite/azurite-$service.log" 2>&1 &
      azurite_pids+=($!)
      for _ in $(seq 1 100); do port_open "$port" && break; sleep 0.1; done
      port_open "$port" || { echo "Azurite's $service service did not start; see .azurite/azurite-$service.log" >&2; exit 1; }
      echo "Azurite (in-memory $service storage) on 127.0.0.1:$port."
    }
    start_azurite table "$table_port"
    start_azurite queue "$queue_port"
    if [ "$table_port" = 10002 ] && [ "$queue_port" = 10001 ]; then
      export AzureWebJobsStorage="${AzureWebJobsStorage:-UseDevelopmentStorage=true}"
    else
      # Azurite's fixed, publicly documented development account (not a secret), on the chosen ports.
      export AzureWebJobsStorage="${AzureWebJobsStorage:-DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:$table_port/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue_port/devstoreaccount1;}"
    fi
    # In the background, so the traps run as soon as a signal arrives (bash defers them while a foreground command runs).
    dotnet run --project src/SynthflowConnector.Host --configuration Release -- "$@" &
    host_pid=$!
    status=0
    wait "$host_pid" || status=$?
    host_pid=""
    exit "$status"
    ;;
  bench)
    ensure_dev_tools
    # `all` unless a benchmark is named first (startup, actions, reconcile, hooks, campaigns); the rest are options (--quick, --out …).
    if [ $# -eq 0 ] || [[ "$1" == -* ]]; then set -- all "$@"; fi
    dotnet run --configuration Release --project bench/SynthflowConnector.Bench -- "$@"
    ;;
  infra)
    build_infra
    ;;
  connector-copy)
    connector_copy "$@"
    ;;
  publish)
    publish_functions "$@"
    ;;
  deploy)
    exec infra/deploy.sh "$@"
    ;;
  *)
    echo "usage: ./build.sh run [dotnet run args] | ./build.sh test [dotnet test args] | ./build.sh bench [benchmark] [--quick] [--out file.json]" >&2
    echo "       ./build.sh infra | ./build.sh publish [out dir] [zip] | ./build.sh deploy <resource-group> [location] [name=value ...] | ./build.sh connector-copy <host name> [out dir]" >&2
    exit 2
    ;;
esac
