/** Writes docs/config-api.md from the configuration service's OpenAPI document: `npx tsx cloud/src/cli/config-service-api-doc.ts`. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configOpenApi, renderConfigApiMarkdown } from '../config-service/http-api-doc.js';

const target = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'config-api.md');
await writeFile(target, renderConfigApiMarkdown(await configOpenApi()));
process.stdout.write(`wrote ${target}\n`);
