/**
 * Request bodies sent with `Content-Encoding: gzip` are decompressed before parsing. The route's body limit then
 * applies to the decompressed bytes (fastify counts what the parser receives), so a gzip bomb stops at the limit
 * with 413. Other encodings answer 415.
 *
 * The gunzip stream lives no longer than its request: it has its own error listener (a body nobody parses, e.g.
 * one fastify refused for its content type, or the rest of a bomb after the 413, still fails to decompress, and
 * an 'error' without a listener would end the process), and it is destroyed once the answer has gone, so a body
 * the route did not read costs no more decompression. What is left of such a body is read and dropped, as Node
 * does for any unread body, so a keep-alive connection stays usable.
 */
import { createGunzip, type Gunzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { CloudErrors } from '../errors.js';

type CountingGunzip = Gunzip & { receivedEncodedLength: number };

/** A gunzip of `payload` that counts the encoded bytes, never throws an unheard 'error' and ends with the reply. */
export function boundGunzip(req: FastifyRequest, reply: FastifyReply, payload: NodeJS.ReadableStream): CountingGunzip {
  const gunzip = createGunzip() as CountingGunzip;
  // fastify compares Content-Length with the encoded bytes it was given.
  gunzip.receivedEncodedLength = 0;
  const count = (chunk: Buffer) => {
    gunzip.receivedEncodedLength += chunk.length;
  };
  payload.on('data', count);
  payload.on('error', (err: Error) => gunzip.destroy(err));
  // The parser, when there is one, hears the error too and answers 400; this listener is for when there is none.
  gunzip.on('error', (err: Error & { code?: string }) =>
    req.log.debug({ code: err.code, reason: err.message }, 'gzip body not decompressed'),
  );
  reply.raw.once('close', () => {
    payload.unpipe(gunzip);
    gunzip.destroy();
    payload.resume();
  });
  payload.pipe(gunzip);
  return gunzip;
}

async function plugin(app: FastifyInstance): Promise<void> {
  app.addHook('preParsing', async (req, reply, payload) => {
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding === 'identity' || encoding === '') return payload;
    if (encoding !== 'gzip' && encoding !== 'x-gzip') {
      throw CloudErrors.CLOUD_ERR_UNSUPPORTED_MEDIA_TYPE(`Content-Encoding ${encoding}; send gzip or identity`);
    }
    return boundGunzip(req, reply, payload);
  });
}

export const decompressionPlugin = fp(plugin, { name: 'vitals-decompression', fastify: '5.x' });
