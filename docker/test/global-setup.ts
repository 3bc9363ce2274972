/**
 * Integration tests run against the real stack. This brings it up if it is not (idempotent, a few seconds
 * when it already runs) and leaves it running for the next run; `npx vitals stack down` stops it.
 */
import { describeStack, stackUp } from '../src/stack/stack.js';
import { loadStackConfig } from '../src/config.js';

export default async function setup(): Promise<void> {
  const stack = describeStack(loadStackConfig(process.env));
  await stackUp(stack, {
    info: (m) => process.stderr.write(`[stack] ${m}\n`),
    warn: (m) => process.stderr.write(`[stack] warning: ${m}\n`),
  });
}
