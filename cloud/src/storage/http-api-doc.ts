/**
 * docs/http-api.md, generated from the storage service's OpenAPI document (itself generated from the route
 * schemas). `npx tsx cloud/scripts/http-api-doc.ts` writes it; a test checks the file equals the output.
 */
import type { FastifyInstance } from 'fastify';
import '@fastify/swagger';
import { loadStorageConfig } from '../config.js';
import { createLogger } from '../logging.js';
import { buildStorageServer, createStorageDeps } from './server.js';

type Json = Record<string, unknown>;

/** The OpenAPI document, from a server built but never started (no connection is opened). */
export async function storageOpenApi(): Promise<Json> {
  const config = loadStorageConfig({ LOG_LEVEL: 'silent' });
  const app: FastifyInstance = buildStorageServer(createStorageDeps(config, createLogger({ level: 'silent' })));
  try {
    await app.ready();
    return app.swagger() as unknown as Json;
  } finally {
    await app.close();
  }
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

function schemaSummary(schema: Json | undefined): string {
  if (!schema) return '';
  const props = schema.properties as Json | undefined;
  if (props) {
    const required = new Set((schema.required as string[] | undefined) ?? []);
    return Object.keys(props)
      .map((k) => `\`${k}\`${required.has(k) ? '' : '?'}`)
      .join(', ');
  }
  if (Array.isArray(schema.anyOf)) return 'one of several shapes (see the OpenAPI document)';
  return String(schema.type ?? '');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function renderHttpApiMarkdown(doc: Json): string {
  const paths = doc.paths as Record<string, Record<string, Json>>;
  const tags = (doc.tags as Array<{ name: string; description: string }> | undefined) ?? [];
  const ops: Array<{ tag: string; method: string; path: string; op: Json }> = [];
  for (const [path, item] of Object.entries(paths)) {
    for (const m of METHODS) {
      const op = item[m];
      if (op) ops.push({ tag: ((op.tags as string[] | undefined) ?? ['other'])[0]!, method: m.toUpperCase(), path, op });
    }
  }
  const out: string[] = [
    '# HTTP API reference: cloud storage service',
    '',
    `Version ${String((doc.info as Json).version)}. Generated from the route schemas (the same OpenAPI 3 document the service`,
    'serves at `/docs/json`, browsable at `/docs`) by `npx tsx cloud/scripts/http-api-doc.ts`; a test keeps this file',
    'equal to the generated text. Default port 8080 (`STORAGE_PORT`), HTTPS when `CLOUD_TLS_CERT_FILE`/`CLOUD_TLS_KEY_FILE`',
    'are set.',
    '',
    'Every call except health, metrics and docs needs `Authorization: Bearer <token>`: an API key (`vk_...`), a JWT',
    '(HS256, claims `sub`, `role`, `customer`), or a gateway token (`vgw_...`). **Roles** lists who may call; anyone else',
    "gets 403, no credentials 401, another customer's resource 404. Errors have the body",
    '`{ statusCode, code, error, message, retriable, requestId, details? }` with the codes of docs/errors.md; 503 and 429',
    'carry `Retry-After`. Lists take `limit` (1-500, default 50) and `offset` and answer `{ items, total, limit, offset }`.',
    'Writes answer `ETag`; PATCH, DELETE and assignment changes honour `If-Match` (412 when stale).',
    '',
  ];
  const order = [...tags.map((t) => t.name), 'other'];
  for (const tag of order) {
    const mine = ops.filter((o) => o.tag === tag);
    if (mine.length === 0) continue;
    const description = tags.find((t) => t.name === tag)?.description;
    out.push(`## ${tag}`, '');
    if (description) out.push(description, '');
    out.push('| method | path | summary | roles | query / body | responses |', '| --- | --- | --- | --- | --- | --- |');
    for (const { method, path, op } of mine) {
      const roles = (op['x-roles'] as string[] | undefined)?.join(', ') ?? 'public';
      const query = ((op.parameters as Json[] | undefined) ?? [])
        .filter((p) => p.in === 'query')
        .map((p) => `\`${String(p.name)}\``)
        .join(', ');
      const body = schemaSummary(
        ((op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined)?.['application/json']?.schema as
          Json | undefined,
      );
      const io = [query && `query: ${query}`, body && `body: ${body}`].filter(Boolean).join('; ');
      const responses = Object.keys((op.responses as Json | undefined) ?? {}).join(', ');
      out.push(`| ${method} | \`${path}\` | ${cell(String(op.summary ?? ''))} | ${roles} | ${cell(io)} | ${responses} |`);
    }
    out.push('');
    for (const { method, path, op } of mine) {
      if (op.description) out.push(`- \`${method} ${path}\`: ${String(op.description)}`);
    }
    if (mine.some(({ op }) => op.description)) out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
