#!/usr/bin/env bash
# The commands of the README:
#   ./build.sh run   run the Host locally (sandbox mode unless Synthflow__ApiKey is set) with Azurite, on http://localhost:7071
#   ./build.sh test  validate the connector definition, then run every test (installs the pinned dev tools first when they are missing)
#   ./build.sh bench run the benchmarks (all, ~7 minutes; `--quick`: the under-a-minute smoke run; see bench/RESULTS.md)
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
    # AZURITE_TABLE_PORT: where Azurite's Table service listens (default 10002, the port UseDevelopmentStorage=true names).
    table_port=${AZURITE_TABLE_PORT:-10002}
    azurite_pid="" host_pid=""
    # TERM or INT stops the Host, then the Azurite this script started; `wait` below returns at once on either signal.
    stop() {
      trap - EXIT INT TERM
      if [ -n "$host_pid" ]; then kill "$host_pid" 2>/dev/null || true; wait "$host_pid" 2>/dev/null || true; fi
      if [ -n "$azurite_pid" ]; then kill "$azurite_pid" 2>/dev/null || true; wait "$azurite_pid" 2>/dev/null || true; fi
    }
    trap stop EXIT
    trap 'stop; exit 130' INT
    trap 'stop; exit 143' TERM
    if port_open "$table_port"; then
      echo "Table storage already listening on 127.0.0.1:$table_port; using it."
    else
      mkdir -p .azurite
      node_modules/.bin/azurite-table --inMemoryPersistence --disableTelemetry --skipApiVersionCheck \
        --tableHost 127.0.0.1 --tablePort "$table_port" >.azurite/azurite.log 2>&1 &
      azurite_pid=$!
      for _ in $(seq 1 100); do port_open "$table_port" && break; sleep 0.1; done
      port_open "$table_port" || { echo "Azurite did not start; see .azurite/azurite.log" >&2; exit 1; }
      echo "Azurite (in-memory Table storage) on 127.0.0.1:$table_port."
    fi
    if [ "$table_port" = 10002 ]; then
      export AzureWebJobsStorage="${AzureWebJobsStorage:-UseDevelopmentStorage=true}"
    else
      # Azurite's fixed, publicly documented development account (not a secret), on the chosen port.
      export AzureWebJobsStorage="${AzureWebJobsStorage:-DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:$table_port/devstoreaccount1;}"
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
    # `all` unless a benchmark is named first (startup, actions, reconcile); the rest are options (--quick, --out …).
    if [ $# -eq 0 ] || [[ "$1" == -* ]]; then set -- all "$@"; fi
    dotnet run --configuration Release --project bench/SynthflowConnector.Bench -- "$@"
    ;;
  *)
    echo "usage: ./build.sh run [dotnet run args] | ./build.sh test [dotnet test args] | ./build.sh bench [benchmark] [--quick] [--out file.json]" >&2
    exit 2
    ;;
esac
