#!/usr/bin/env bash
# Compose one-shot: create the topics listed in topics.tsv (the same list `vitals stack up` creates; a test
# keeps the file equal to shared/src/topics.ts).
set -euo pipefail
while IFS=$'\t' read -r name partitions configs; do
  case "$name" in ""|\#*) continue ;; esac
  args=()
  IFS=',' read -ra kvs <<< "$configs"
  for kv in "${kvs[@]}"; do [ -n "$kv" ] && args+=(--config "$kv"); done
  /opt/kafka/bin/kafka-topics.sh --bootstrap-server "$KAFKA_BOOTSTRAP" --create --if-not-exists \
    --topic "$name" --partitions "$partitions" --replication-factor 1 "${args[@]}"
done < /vitals/kafka/topics.tsv
