/** Where the local stack keeps its files, all under one git-ignored folder. */
import path from 'node:path';
import { REPO_ROOT } from '../config.js';

export interface StackPaths {
  readonly root: string;
  readonly jars: { readonly kafka: string; readonly connect: string };
  readonly kafkaData: string;
  readonly connectOffsets: string;
  readonly logs: string;
  readonly run: string;
  readonly rendered: string;
  readonly poms: { readonly kafka: string; readonly connect: string; readonly flyway: string };
  readonly templates: {
    readonly kafkaServer: string;
    readonly connectWorker: string;
    readonly connector: string;
    readonly log4j: string;
  };
  readonly migrations: string;
}

export function stackPaths(root: string): StackPaths {
  const dockerDir = path.join(REPO_ROOT, 'docker');
  return {
    root,
    jars: { kafka: path.join(root, 'jars', 'kafka'), connect: path.join(root, 'jars', 'connect') },
    kafkaData: path.join(root, 'kafka-data'),
    connectOffsets: path.join(root, 'connect', 'offsets.dat'),
    logs: path.join(root, 'logs'),
    run: path.join(root, 'run'),
    rendered: path.join(root, 'config'),
    poms: {
      kafka: path.join(dockerDir, 'kafka', 'pom.xml'),
      connect: path.join(dockerDir, 'connect', 'pom.xml'),
      flyway: path.join(dockerDir, 'flyway', 'pom.xml'),
    },
    templates: {
      kafkaServer: path.join(dockerDir, 'kafka', 'server.properties'),
      connectWorker: path.join(dockerDir, 'connect', 'worker.properties'),
      connector: path.join(dockerDir, 'connect', 'debezium-postgres.json'),
      log4j: path.join(dockerDir, 'kafka', 'log4j2.properties'),
    },
    migrations: path.join(REPO_ROOT, 'migrations'),
  };
}
