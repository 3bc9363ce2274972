import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadStackConfig } from '../config.js';
import { parseResourceParams, renderFlinkConfig } from './flink-cluster.js';
import { describeStack } from './stack.js';

describe('renderFlinkConfig', () => {
  it('fills every placeholder of docker/flink/config.yaml with the local defaults, every process on 127.0.0.1', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'flink-config-'));
    try {
      const o = describeStack(loadStackConfig({ VITALS_STACK_DIR: dir })).flink;
      const config = parseYaml(await readFile(await renderFlinkConfig(o), 'utf8')) as Record<string, unknown>;
      expect(JSON.stringify(config)).not.toContain('${');
      for (const key of ['jobmanager.rpc.address', 'jobmanager.bind-host', 'taskmanager.host', 'taskmanager.bind-host'])
        expect(config[key], key).toBe('127.0.0.1');
      for (const key of ['rest.address', 'rest.bind-address', 'sql-gateway.endpoint.rest.bind-address'])
        expect(config[key], key).toBe('127.0.0.1');
      expect(config).toMatchObject({ 'rest.port': 8181, 'sql-gateway.endpoint.rest.port': 8183 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('parseResourceParams', () => {
  it('reads the JVM flags and the dynamic properties of BashJavaUtils', () => {
    const out = [
      'INFO  [] - Loading configuration property: taskmanager.numberOfTaskSlots, 2',
      'BASH_JAVA_UTILS_EXEC_RESULT:-Xmx436207608 -Xms436207608 -XX:MaxDirectMemorySize=248302798 -XX:MaxMetaspaceSize=268435456',
      'BASH_JAVA_UTILS_EXEC_RESULT:-D taskmanager.cpu.cores=2.0 -D taskmanager.memory.task.heap.size=301989880b -Dexternal-resources=none',
      '',
    ].join('\n');
    expect(parseResourceParams(out)).toEqual({
      jvmFlags: ['-Xmx436207608', '-Xms436207608', '-XX:MaxDirectMemorySize=248302798', '-XX:MaxMetaspaceSize=268435456'],
      dynamicProperties: [
        '-Dtaskmanager.cpu.cores=2.0',
        '-Dtaskmanager.memory.task.heap.size=301989880b',
        '-Dexternal-resources=none',
      ],
    });
  });

  it('fails clearly when the result lines are missing', () => {
    expect(() => parseResourceParams('Exception in thread "main"')).toThrow(/expected 2 result lines/);
  });
});
