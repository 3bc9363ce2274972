/** `vitals edge`: the CLI entry of the gateway. Builds the command cheaply; the action loads the gateway. */
import { Command } from 'commander';
import { installFatalHandlers, portOption } from '@vitals/shared';

export function edgeCommand(): Command {
  return new Command('edge')
    .description('run the ward edge gateway (settings from EDGE_* environment variables, see docs/configuration.md)')
    .option('--port <port>', 'HTTP port (env EDGE_HTTP_PORT, default 8090)', portOption)
    .action(async (opts: { port?: number }) => {
      installFatalHandlers({ name: 'edge' });
      const { loadEdgeConfig } = await import('./config.js');
      const { startGateway } = await import('./gateway.js');
      let config;
      try {
        config = loadEdgeConfig(process.env, opts.port === undefined ? {} : { httpPort: opts.port });
      } catch (err) {
        const e = err as { code?: string; message: string };
        process.stderr.write(`vitals: error [${e.code ?? 'CONFIG_INVALID'}]: ${e.message}\n`);
        process.exit(1);
      }
      let gateway;
      try {
        gateway = await startGateway(config);
      } catch (err) {
        const e = err as { code?: string; message: string };
        process.stderr.write(`vitals: error [${e.code ?? 'EDGE_ERR_START'}]: ${e.message}\n`);
        process.exit(1);
      }
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`vitals edge: ${signal}, shutting down (pending frames are committed first)\n`);
        gateway.close().then(
          () => process.exit(0),
          (err: unknown) => {
            process.stderr.write(`vitals edge: shutdown failed: ${(err as Error).message}\n`);
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
}
