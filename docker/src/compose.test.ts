/**
 * No Docker engine runs here, so the compose setup is checked statically: it must start the same pieces with
 * the same shared config files, topics and connector settings as the local stack.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CDC_TABLES, topicSpecs } from '@vitals/shared';
import { REPO_ROOT } from './config.js';

const dockerDir = path.join(REPO_ROOT, 'docker');
type Service = {
  image?: string;
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, unknown>;
};
const compose = parseYaml(readFileSync(path.join(dockerDir, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};

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
    const placeholders = (file: string) =>
      [...readFileSync(path.join(dockerDir, file), 'utf8').matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1]!);
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
