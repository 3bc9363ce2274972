#!/usr/bin/env bash
# Compose entrypoint of the Kafka container: render the shared server.properties from the environment, format
# the KRaft storage once, run the broker.
set -euo pipefail
cfg=/tmp/server.properties
perl -pe 's/\$\{([A-Z0-9_]+)\}/exists $ENV{$1} ? $ENV{$1} : die "missing $1\n"/ge' /vitals/kafka/server.properties > "$cfg"
if [ ! -f "$KAFKA_LOG_DIR/meta.properties" ]; then
  /opt/kafka/bin/kafka-storage.sh format -g -t "$(/opt/kafka/bin/kafka-storage.sh random-uuid)" -c "$cfg"
fi
exec /opt/kafka/bin/kafka-server-start.sh "$cfg"
