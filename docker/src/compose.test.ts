/**
 * No Docker engine runs here, so the compose setup is checked statically: it must start the same pieces with
 * the same shared config files, topics and connector settings as the local stack.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CDC_TABLES, topicSpecs } from '@vitals/shared';
import { streamEngineSettings } from '@vitals/cloud/config';
import { loadStackConfig, REPO_ROOT } from './config.js';
import { FLINK_MAIN_CLASSES, FLINK_PROCESSES, JAVA17_OPENS, flinkConfigValues } from './stack/flink-cluster.js';
import { DEPENDENCY_PLUGIN } from './stack/maven.js';
import { describeStack } from './stack/stack.js';

const dockerDir = path.join(REPO_ROOT, 'docker');
type Service = {
  image?: string;
  build?: { context: string; dockerfile?: string };
  profiles?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
};
const compose = parseYaml(readFileSync(path.join(dockerDir, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
  'x-stream-engine-env': Record<string, string>;
};
const placeholders = (file: string) =>
  [...readFileSync(path.join(dockerDir, file), 'utf8').matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1]!);

describe('docker-compose.yml', () => {
  it('runs PostgreSQL with logical WAL, Flyway, Kafka, topic creation, Connect with Debezium and an MQTT broker', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['postgres', 'flyway', 'kafka', 'kafka-topics', 'connect', 'mosquitto']),
    );
    expect(JSON.stringify(compose.services.postgres)).toContain('wal_level=logical');
    expect(compose.services.kafka?.image).toMatch(/apache\/kafka:4\.1\.2$/);
    expect(compose.services.connect?.image).toMatch(/debezium\/connect:3\.4\.3\.Final$/);
  });

  it('mounts only files and folders that exist, and every placeholder of the shared configs has a value', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const v of svc.volumes ?? []) {
        const src = v.split(':')[0]!;
        if (!src.startsWith('.')) continue;
        expect(existsSync(path.resolve(dockerDir, src)), `${name}: ${src}`).toBe(true);
      }
    }
    const kafkaEnv = compose.services.kafka?.environment ?? {};
    for (const p of placeholders('kafka/server.properties')) expect(kafkaEnv, p).toHaveProperty(p);
    const connectEnv = compose.services.connect?.environment ?? {};
    for (const p of [...placeholders('connect/worker.properties'), ...placeholders('connect/debezium-postgres.json')]) {
      expect(connectEnv, p).toHaveProperty(p);
    }
  });

  it('captures the same reference tables as the local stack', () => {
    const list = compose.services.connect?.environment?.TABLE_INCLUDE_LIST?.split(',');
    expect(list).toEqual(CDC_TABLES.map((t) => `public.${t}`));
  });

  it('creates the same topics as the local stack (topics.tsv equals shared/src/topics.ts)', () => {
    const rows = readFileSync(path.join(dockerDir, 'kafka', 'topics.tsv'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split('\t'));
    const expected = topicSpecs().map((t) => [
      t.name,
      String(t.partitions),
      Object.entries(t.config)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    ]);
    expect(rows).toEqual(expected);
  });
});

describe('docker-compose.yml: the Flink session cluster', () => {
  const roles = { jobmanager: 'flink-jobmanager', taskmanager: 'flink-taskmanager', 'sql-gateway': 'flink-sql-gateway' };
  const svc = (name: string): Service => compose.services[name] ?? {};
  const local = describeStack(loadStackConfig({})).flink;
  const env = svc('flink-jobmanager').environment ?? {};
  const script = readFileSync(path.join(dockerDir, 'flink', 'run-flink.sh'), 'utf8');

  it('runs the JobManager, a TaskManager and the SQL Gateway under the flink profile, from one image of flink/pom.xml', () => {
    for (const [role, name] of Object.entries(roles)) {
      const s = svc(name);
      expect(s.profiles, name).toEqual(['flink']);
      expect(s.build?.context, name).toBe('./flink');
      expect(s.image, name).toBe(svc('flink-jobmanager').image);
      expect(s.entrypoint, name).toEqual(['/bin/bash', '/vitals/flink/run-flink.sh', role]);
      expect(s.environment, name).toEqual(env);
    }
    // The image's jars: the POM the local stack fetches, copied by the same Maven plugin and scope.
    const dockerfile = readFileSync(path.join(dockerDir, 'flink', 'Dockerfile'), 'utf8');
    expect(path.resolve(dockerDir, 'flink', 'pom.xml')).toBe(describeStack(loadStackConfig({})).paths.poms.flink);
    expect(dockerfile).toMatch(/^COPY pom\.xml /m);
    expect(dockerfile).toContain(`${DEPENDENCY_PLUGIN}:copy-dependencies`);
    expect(dockerfile).toContain('-DincludeScope=runtime');
  });

  it('mounts the config.yaml and log4j2.properties that flink-cluster.ts renders and passes', () => {
    const mount = (name: string) => svc(name).volumes?.find((v) => v.endsWith(':/vitals/flink:ro'));
    for (const name of Object.values(roles)) {
      const src = mount(name)?.split(':')[0];
      expect(src, name).toBe('./flink');
      expect(path.resolve(dockerDir, src!, 'config.yaml')).toBe(local.paths.templates.flinkConfig);
      expect(path.resolve(dockerDir, src!, 'log4j2.properties')).toBe(local.paths.templates.flinkLog4j);
    }
    expect(script).toContain('render "$templates/config.yaml"');
    expect(script).toContain('-Dlog4j.configurationFile=file:$templates/log4j2.properties');
  });

  it('gives every placeholder of flink/config.yaml a value: from the environment, or the TaskManager address from run-flink.sh', () => {
    const fromScript = [...script.matchAll(/^export ([A-Z0-9_]+)=/gm)].map((m) => m[1]!);
    expect(fromScript).toContain('FLINK_TASKMANAGER_HOST');
    for (const p of placeholders('flink/config.yaml')) expect([...Object.keys(env), ...fromScript], p).toContain(p);
    // The local stack fills the same placeholders, no more, no fewer.
    expect(Object.keys(flinkConfigValues(local)).sort()).toEqual([...new Set(placeholders('flink/config.yaml'))].sort());
  });

  it("uses the local stack's ports, memory, slots, parallelism and checkpoint interval; services are reached by name", () => {
    const values = flinkConfigValues(local);
    const same = Object.keys(values).filter((k) => !/_HOST$/.test(k) && k !== 'FLINK_STATE_DIR');
    expect(same.length).toBeGreaterThan(5);
    for (const k of same) expect(env[k], k).toBe(String(values[k]));
    expect(env).toMatchObject({
      FLINK_REST_PORT: '8181',
      FLINK_GATEWAY_PORT: '8183',
      FLINK_TASK_SLOTS: '4',
      FLINK_PARALLELISM: '2',
      FLINK_HOST: 'flink-jobmanager',
      FLINK_GATEWAY_HOST: 'flink-sql-gateway',
      FLINK_BIND_HOST: '0.0.0.0',
      FLINK_GATEWAY_BIND_HOST: '0.0.0.0',
    });
    expect(env.FLINK_TASKMANAGER_HOST).toBeUndefined();
    expect(env.FLINK_SQL_GATEWAY_HEAP).toBe(local.gatewayHeap);
  });

  it('keeps RocksDB state, checkpoints and savepoints on one named volume of the JobManager and the TaskManager', () => {
    const stateMount = (name: string) => svc(name).volumes?.find((v) => v.endsWith(`:${env.FLINK_STATE_DIR}`));
    const volume = stateMount('flink-jobmanager')?.split(':')[0];
    expect(volume).toBe('flinkstate');
    expect(stateMount('flink-taskmanager')).toBe(stateMount('flink-jobmanager'));
    expect(compose.volumes).toHaveProperty(volume!);
  });

  it('checks health on /overview and /v1/info, publishes them on loopback, and starts the others after the JobManager', () => {
    const { FLINK_REST_PORT: rest, FLINK_GATEWAY_PORT: gateway } = env;
    expect(svc('flink-jobmanager').healthcheck?.test).toEqual(['CMD', 'curl', '-fsS', `http://localhost:${rest}/overview`]);
    expect(svc('flink-sql-gateway').healthcheck?.test).toEqual(['CMD', 'curl', '-fsS', `http://localhost:${gateway}/v1/info`]);
    expect(svc('flink-jobmanager').ports).toEqual([`127.0.0.1:${rest}:${rest}`]);
    expect(svc('flink-sql-gateway').ports).toEqual([`127.0.0.1:${gateway}:${gateway}`]);
    expect(svc('flink-taskmanager').ports).toBeUndefined(); // so that it scales
    for (const name of ['flink-taskmanager', 'flink-sql-gateway'])
      expect(svc(name).depends_on, name).toEqual({ 'flink-jobmanager': { condition: 'service_healthy' } });
  });

  it('points the stream engine settings of cloud services in the network at the services (engine node by default)', () => {
    const engine = compose['x-stream-engine-env'];
    expect(engine.STREAM_ENGINE).toBe(streamEngineSettings.streamEngine.default);
    expect(engine.FLINK_REST_URL).toBe(`http://${env.FLINK_HOST}:${env.FLINK_REST_PORT}`);
    expect(engine.FLINK_SQL_GATEWAY_URL).toBe(`http://${env.FLINK_GATEWAY_HOST}:${env.FLINK_GATEWAY_PORT}`);
    expect(Object.values(roles)).toContain(new URL(engine.FLINK_REST_URL!).hostname);
    expect(Object.values(roles)).toContain(new URL(engine.FLINK_SQL_GATEWAY_URL!).hostname);
    expect(FLINK_PROCESSES).toEqual(Object.keys(roles));
  });
});

describe('docker/flink/run-flink.sh (with a stand-in java that prints its command line)', () => {
  const env = compose.services['flink-jobmanager']?.environment ?? {};

  /** Runs the entrypoint for one role; returns the rendered config, the java arguments and the folders. */
  function run(role: string) {
    const dir = mkdtempSync(path.join(tmpdir(), 'run-flink-'));
    try {
      const java = path.join(dir, 'java');
      writeFileSync(
        java,
        [
          '#!/usr/bin/env bash',
          'if [[ " $* " == *" org.apache.flink.runtime.util.bash.BashJavaUtils "* ]]; then',
          '  echo "INFO  [] - Loading configuration property: rest.port, 8181"',
          '  echo "BASH_JAVA_UTILS_EXEC_RESULT:-Xmx100m -Xms100m -XX:MaxMetaspaceSize=64m"',
          '  echo "BASH_JAVA_UTILS_EXEC_RESULT:-D taskmanager.cpu.cores=4.0 -D taskmanager.memory.task.heap.size=1b"',
          '  exit 0',
          'fi',
          'printf "%s\\n" "$@"',
          '',
        ].join('\n'),
      );
      chmodSync(java, 0o755);
      const out = execFileSync('bash', [path.join(dockerDir, 'flink', 'run-flink.sh'), role], {
        env: {
          PATH: process.env.PATH,
          ...env,
          FLINK_TEMPLATES: path.join(dockerDir, 'flink'),
          FLINK_LIB: path.join(dir, 'lib'),
          FLINK_CONF_DIR: path.join(dir, 'conf'),
          FLINK_STATE_DIR: path.join(dir, 'state'),
          JAVA: java,
        },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const config = parseYaml(readFileSync(path.join(dir, 'conf', 'config.yaml'), 'utf8')) as Record<string, unknown>;
      const dirs = ['checkpoints', 'savepoints', 'tmp'].filter((d) => existsSync(path.join(dir, 'state', d)));
      return { args: out.trim().split('\n'), config, dirs, dir };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('renders config.yaml from the compose environment and creates the state folders', () => {
    const { config, dirs, dir } = run('jobmanager');
    expect(JSON.stringify(config)).not.toContain('${');
    expect(config).toMatchObject({
      'jobmanager.rpc.address': 'flink-jobmanager',
      'jobmanager.bind-host': '0.0.0.0',
      'rest.address': 'flink-jobmanager',
      'rest.port': 8181,
      'sql-gateway.endpoint.rest.port': 8183,
      'taskmanager.numberOfTaskSlots': 4,
      'parallelism.default': 2,
      'jobmanager.memory.process.size': '768m',
      'taskmanager.memory.process.size': '2048m',
      'execution.checkpointing.dir': `file://${path.join(dir, 'state')}/checkpoints`,
    });
    expect(config['taskmanager.host']).toMatch(/^\S+$/); // the container's own address
    expect(dirs).toEqual(['checkpoints', 'savepoints', 'tmp']);
  });

  it.each(['jobmanager', 'taskmanager'] as const)(
    'starts the %s with the main class, JDK opens and derived memory of the local stack',
    (role) => {
      const { args, dir } = run(role);
      expect(args).toContain(FLINK_MAIN_CLASSES[role]);
      expect(args).toEqual(expect.arrayContaining([...JAVA17_OPENS, '-Xmx100m', '-XX:MaxMetaspaceSize=64m']));
      const main = args.indexOf(FLINK_MAIN_CLASSES[role]);
      expect(args.slice(main + 1)).toEqual([
        '--configDir',
        path.join(dir, 'conf'),
        '-D',
        'taskmanager.cpu.cores=4.0',
        '-D',
        'taskmanager.memory.task.heap.size=1b',
      ]);
    },
  );

  it('starts the SQL Gateway with its heap and no config folder argument', () => {
    const { args } = run('sql-gateway');
    expect(args).toEqual(expect.arrayContaining([`-Xmx${env.FLINK_SQL_GATEWAY_HEAP}`, ...JAVA17_OPENS]));
    expect(args.at(-1)).toBe(FLINK_MAIN_CLASSES['sql-gateway']);
  });

  it('refuses an unknown role', () => {
    expect(() => run('historyserver')).toThrow(/unknown role/);
  });
});
