/** Runs the enricher in this process until SIGINT/SIGTERM (used by `vitals cloud enricher` and by tests). */
import { loadEnricherConfig } from '../enricher/config.js';
import { startFlinkEnricher } from '../enricher/flink-service.js';
import { startEnricher } from '../enricher/service.js';

export async function runEnricher(overrides: { port?: number } = {}): Promise<void> {
  const config = loadEnricherConfig(process.env, overrides.port === undefined ? {} : { port: overrides.port });
  const running = config.streamEngine === 'flink' ? await startFlinkEnricher(config) : await startEnricher(config);
  process.stdout.write(`${JSON.stringify({ event: 'enricher-ready', port: running.port, pid: process.pid })}\n`);
  const stop = async () => {
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
