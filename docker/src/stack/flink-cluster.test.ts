import { describe, expect, it } from 'vitest';
import { parseResourceParams } from './flink-cluster.js';

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
