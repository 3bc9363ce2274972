/** Is the Kafka cluster answering? An admin `describeCluster` with a deadline, for readiness checks. */
import type { Admin, Kafka } from 'kafkajs';

export interface ClusterProbe {
  /** Resolves when the cluster answers within the deadline; rejects otherwise. */
  check(): Promise<void>;
  close(): Promise<void>;
}

export function createClusterProbe(kafka: Kafka, timeoutMs: number): ClusterProbe {
  let admin: Promise<Admin> | undefined;
  const connect = () => {
    if (!admin) {
      const a = kafka.admin({ retry: { retries: 0 } });
      admin = a.connect().then(
        () => a,
        (err: unknown) => {
          admin = undefined;
          throw err;
        },
      );
    }
    return admin;
  };
  const reset = (failed: Promise<Admin> | undefined) => {
    if (admin !== failed || !failed) return;
    admin = undefined;
    void failed.then((a) => a.disconnect()).catch(() => undefined);
  };
  return {
    async check() {
      const session = connect();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Kafka did not answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([session.then((a) => a.describeCluster()), deadline]);
      } catch (err) {
        reset(session);
        throw err;
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      const a = admin;
      admin = undefined;
      if (a) await a.then((x) => x.disconnect()).catch(() => undefined);
    },
  };
}
