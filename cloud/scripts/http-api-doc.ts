/** Writes docs/http-api.md from the storage service's OpenAPI document: `npx tsx cloud/scripts/http-api-doc.ts`. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderHttpApiMarkdown, storageOpenApi } from '../src/storage/http-api-doc.js';

const target = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'http-api.md');
await writeFile(target, renderHttpApiMarkdown(await storageOpenApi()));
process.stdout.write(`wrote ${target}\n`);
