/** The gateway's pino logger: JSON lines, a child per unit of work, secrets redacted. */
import { pino, type Logger } from 'pino';

export function createLogger(opts: { level: string; gatewayId: string }): Logger {
  return pino({
    level: opts.level,
    base: { service: 'edge', gatewayId: opts.gatewayId },
    redact: {
      paths: [
        'gatewayToken',
        '*.gatewayToken',
        'token',
        '*.token',
        'password',
        '*.password',
        'headers.authorization',
        '*.headers.authorization',
      ],
      censor: '[redacted]',
    },
  });
}
