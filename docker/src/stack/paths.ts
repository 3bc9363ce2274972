/** Where the local stack keeps its files, all under one git-ignored folder. */
import path from 'node:path';
import { REPO_ROOT } from '../config.js';

export interface StackPaths {
  readonly root: string;
  readonly jars: { readonly kafka: string; readonly connect: string; readonly flink: string };
  readonly kafkaData: string;
  readonly connectOffsets: string;
  /** Flink checkpoints, savepoints and RocksDB working files. */
  readonly flinkState: string;
  /** The rendered Flink configuration folder (`--configDir`; named `conf`, see flink-cluster.ts). */
  readonly flinkConf: string;
  readonly logs: string;
  readonly run: string;
  readonly rendered: string;
  readonly poms: { readonly kafka: string; readonly connect: string; readonly flink: string; readonly flyway: string };
  readonly templates: {
    readonly kafkaServer: string;
    readonly connectWorker: string;
    readonly connector: string;
    readonly log4j: string;
    readonly flinkConfig: string;
    readonly flinkLog4j: string;
  };
  readonly migrations: string;
}

export function stackPaths(root: string): StackPaths {
  const dockerDir = path.join(REPO_ROOT, 'docker');
  return {
    root,
    jars: {
      kafka: path.join(root, 'jars', 'kafka'),
      connect: path.join(root, 'jars', 'connect'),
      flink: path.join(root, 'jars', 'flink'),
    },
    kafkaData: path.join(root, 'kafka-data'),
    connectOffsets: path.join(root, 'connect', 'offsets.dat'),
    flinkState: path.join(root, 'flink'),
    flinkConf: path.join(root, 'config', 'flink', 'conf'),
    logs: path.join(root, 'logs'),
    run: path.join(root, 'run'),
    rendered: path.join(root, 'config'),
    poms: {
      kafka: path.join(dockerDir, 'kafka', 'pom.xml'),
      connect: path.join(dockerDir, 'connect', 'pom.xml'),
      flink: path.join(dockerDir, 'flink', 'pom.xml'),
      flyway: path.join(dockerDir, 'flyway', 'pom.xml'),
    },
    templates: {
      kafkaServer: path.join(dockerDir, 'kafka', 'server.properties'),
      connectWorker: path.join(dockerDir, 'connect', 'worker.properties'),
      connector: path.join(dockerDir, 'connect', 'debezium-postgres.json'),
      log4j: path.join(dockerDir, 'kafka', 'log4j2.properties'),
      flinkConfig: path.join(dockerDir, 'flink', 'config.yaml'),
      flinkLog4j: path.join(dockerDir, 'flink', 'log4j2.properties'),
    },
    migrations: path.join(REPO_ROOT, 'migrations'),
  };
}
