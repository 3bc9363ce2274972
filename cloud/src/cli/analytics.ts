/**
 * Starts the analytics service from the environment (config read once here) and prints a ready line
 * (`{"event":"analytics-ready",...}`) on stdout. Returns the running service (`url`, `close()`), so
 * `vitals cloud analytics` can start it like the other services; the caller owns signals.
 */
import { loadAnalyticsConfig } from '../analytics/config.js';
import { startAnalytics, type RunningAnalytics } from '../analytics/server.js';

export async function runAnalytics(o: { port?: number } = {}): Promise<RunningAnalytics> {
  const config = loadAnalyticsConfig(process.env, o.port === undefined ? {} : { port: o.port });
  const running = await startAnalytics(config);
  process.stdout.write(
    `${JSON.stringify({ event: 'analytics-ready', port: running.port, url: running.url, instance: running.instance, pid: process.pid })}\n`,
  );
  return running;
}
