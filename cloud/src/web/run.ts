/** Starts the web service from the environment the CLI passes (config read once here). */
import { loadWebConfig } from './config.js';
import { startWeb, type RunningWeb } from './server.js';

export async function runWeb(o: { port?: number; env: Readonly<Record<string, string | undefined>> }): Promise<RunningWeb> {
  return startWeb(loadWebConfig(o.env, o.port === undefined ? {} : { port: o.port }));
}
