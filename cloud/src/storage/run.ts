/** Starts the storage service from the environment the CLI passes (config read once here). */
import { loadStorageConfig } from '../config.js';
import { startStorage, type RunningService } from './server.js';

export async function runStorage(o: {
  port?: number;
  env: Readonly<Record<string, string | undefined>>;
}): Promise<RunningService> {
  const config = loadStorageConfig(o.env, o.port === undefined ? {} : { port: o.port });
  return startStorage(config);
}
