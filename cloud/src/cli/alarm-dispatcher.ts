/**
 * Starts the alarm dispatcher from the environment (config read once here) and prints a ready line
 * (`{"event":"dispatcher-ready",...}`) on stdout. Returns the running service, so `vitals cloud dispatcher` can
 * start it like the other services; the caller owns signals.
 */
import { loadDispatcherConfig } from '../alarm-dispatcher/config.js';
import { startAlarmDispatcher, type RunningDispatcher } from '../alarm-dispatcher/service.js';

export async function runAlarmDispatcher(o: { port?: number } = {}): Promise<RunningDispatcher> {
  const config = loadDispatcherConfig(process.env, o.port === undefined ? {} : { port: o.port });
  const running = await startAlarmDispatcher(config);
  process.stdout.write(
    `${JSON.stringify({ event: 'dispatcher-ready', port: running.port, url: running.url, groupId: config.groupId, topic: config.inputTopic, pid: process.pid })}\n`,
  );
  return running;
}
