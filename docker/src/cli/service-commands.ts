/**
 * Server subcommands come from their packages: `cloud <service|all>`, `admin` (cloud bootstrap), `edge`, `sim`.
 * Each package builds its own commander command (cheaply: the action loads the service), with `--port` and its
 * environment variable.
 */
import type { Command } from 'commander';
import { adminCommand, cloudCommand } from '@vitals/cloud/cli';
import { edgeCommand } from '@vitals/edge/cli';
import { simCommand } from '@vitals/firmware-sim/cli';

export function serviceCommands(): Command[] {
  return [cloudCommand(), adminCommand(), edgeCommand(), simCommand()];
}
