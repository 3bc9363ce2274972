#!/usr/bin/env bash
# Compose entrypoint of the Flink services: render the shared config.yaml from the environment and run one JVM
# of the session cluster (what docker/src/stack/flink-cluster.ts does for the local stack, without Docker).
# Usage: run-flink.sh jobmanager|taskmanager|sql-gateway
set -euo pipefail
role="${1:?usage: run-flink.sh jobmanager|taskmanager|sql-gateway}"
templates="${FLINK_TEMPLATES:-/vitals/flink}"
lib="${FLINK_LIB:-/opt/flink/lib}"
java="${JAVA:-java}"
export FLINK_CONF_DIR="${FLINK_CONF_DIR:-/opt/flink/conf}"
# A TaskManager announces the address it is reached at: its own, so that `--scale flink-taskmanager=N` works.
export FLINK_TASKMANAGER_HOST="${FLINK_TASKMANAGER_HOST:-$(hostname -i | cut -d' ' -f1)}"

render() { perl -pe 's/\$\{([A-Z0-9_]+)\}/exists $ENV{$1} ? $ENV{$1} : die "missing $1\n"/ge' "$1"; }
mkdir -p "$FLINK_CONF_DIR" "$FLINK_STATE_DIR/checkpoints" "$FLINK_STATE_DIR/savepoints" "$FLINK_STATE_DIR/tmp"
render "$templates/config.yaml" > "$FLINK_CONF_DIR/config.yaml"

# What Flink's start scripts add for Java 17 (flink-cluster.ts JAVA17_OPENS).
opens=(
  --add-exports=java.base/sun.net.util=ALL-UNNAMED
  --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
)
jvm=(-XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true)
log=("-Dlog4j.configurationFile=file:$templates/log4j2.properties")

# The memory flags (first result line) and -D dynamic properties (second) Flink derives from config.yaml; the
# TaskManager refuses to start without the latter (flink-cluster.ts parseResourceParams reads the same lines).
run_with_params() {
  local which="$1" main="$2" line
  local -a results=() flags=() props=()
  while IFS= read -r line; do
    if [[ $line == BASH_JAVA_UTILS_EXEC_RESULT:* ]]; then results+=("${line#BASH_JAVA_UTILS_EXEC_RESULT:}"); fi
  done < <("$java" -cp "$lib/*" org.apache.flink.runtime.util.bash.BashJavaUtils "GET_${which}_RESOURCE_PARAMS" \
    --configDir "$FLINK_CONF_DIR")
  if [ "${#results[@]}" -lt 2 ]; then
    echo "run-flink.sh: expected 2 result lines from BashJavaUtils GET_${which}_RESOURCE_PARAMS, got ${#results[@]}" >&2
    exit 1
  fi
  read -r -a flags <<<"${results[0]}"
  read -r -a props <<<"${results[1]}"
  exec "$java" "${jvm[@]}" "${flags[@]}" "${opens[@]}" "${log[@]}" -cp "$lib/*" "$main" \
    --configDir "$FLINK_CONF_DIR" "${props[@]}"
}

case "$role" in
  jobmanager) run_with_params JM org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint ;;
  taskmanager) run_with_params TM org.apache.flink.runtime.taskexecutor.TaskManagerRunner ;;
  sql-gateway)
    # The gateway takes no --configDir: it reads FLINK_CONF_DIR.
    cd "$FLINK_CONF_DIR"
    exec "$java" -Xms128m "-Xmx${FLINK_SQL_GATEWAY_HEAP}" "${jvm[@]}" "${opens[@]}" "${log[@]}" -cp "$lib/*" \
      org.apache.flink.table.gateway.SqlGateway
    ;;
  *)
    echo "run-flink.sh: unknown role '$role' (jobmanager, taskmanager or sql-gateway)" >&2
    exit 2
    ;;
esac
