/**
 * Starts the configuration service from the environment (config read once here). Returns the running service
 * (`url`, `close()`), so `vitals cloud config` and `vitals cloud all` start it like the other services; the caller
 * owns signals.
 */
import { loadConfigServiceConfig } from '../config-service/config.js';
import { startConfigService, type RunningConfigService } from '../config-service/server.js';

export async function runConfigService(
  o: { port?: number; env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<RunningConfigService> {
  const config = loadConfigServiceConfig(o.env ?? process.env, o.port === undefined ? {} : { port: o.port });
  return startConfigService(config);
}
