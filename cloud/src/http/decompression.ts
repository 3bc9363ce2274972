/**
 * Request bodies sent with `Content-Encoding: gzip` are decompressed before parsing. The route's body limit then
 * applies to the decompressed bytes (fastify counts what the parser receives), so a gzip bomb stops at the limit
 * with 413. Other encodings answer 415.
 */
import { createGunzip } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { CloudErrors } from '../errors.js';

async function plugin(app: FastifyInstance): Promise<void> {
  app.addHook('preParsing', async (req, _reply, payload) => {
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding === 'identity' || encoding === '') return payload;
    if (encoding !== 'gzip' && encoding !== 'x-gzip') {
      throw CloudErrors.CLOUD_ERR_UNSUPPORTED_MEDIA_TYPE(`Content-Encoding ${encoding}; send gzip or identity`);
    }
    const gunzip = createGunzip() as ReturnType<typeof createGunzip> & { receivedEncodedLength: number };
    // fastify compares Content-Length with the encoded bytes it was given.
    gunzip.receivedEncodedLength = 0;
    payload.on('data', (chunk: Buffer) => {
      gunzip.receivedEncodedLength += chunk.length;
    });
    payload.on('error', (err) => gunzip.destroy(err));
    return payload.pipe(gunzip);
  });
}

export const decompressionPlugin = fp(plugin, { name: 'vitals-decompression', fastify: '5.x' });
