#!/usr/bin/env bash
# Compose entrypoint of the Connect container: render the shared worker.properties and Debezium connector
# config from the environment and run Kafka Connect standalone with them (the local stack does the same).
set -euo pipefail
render() { perl -pe 's/\$\{([A-Z0-9_]+)\}/exists $ENV{$1} ? $ENV{$1} : die "missing $1\n"/ge' "$1"; }
mkdir -p "$(dirname "$CONNECT_OFFSETS_FILE")"
render /vitals/connect/worker.properties > /tmp/worker.properties
render /vitals/connect/debezium-postgres.json > /tmp/connector.json
export KAFKA_HEAP_OPTS="${HEAP_OPTS:--Xmx768m}"
exec /kafka/bin/connect-standalone.sh /tmp/worker.properties /tmp/connector.json
