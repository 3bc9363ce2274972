/**
 * Opaque bearer tokens (API keys and gateway tokens): 32 random bytes, base64url, behind a prefix that says
 * what they are (and lets secret scanners find them). Only a SHA-256 of the whole token is stored. A fast hash
 * is the right tool here: the token has 256 bits of entropy, so there is nothing to brute-force, and lookup by
 * hash stays one index probe per request.
 */
import { createHash, randomBytes } from 'node:crypto';

export const TOKEN_PREFIX = Object.freeze({ apiKey: 'vk_', gateway: 'vgw_' });
export type TokenKind = keyof typeof TOKEN_PREFIX;

export function generateToken(kind: TokenKind): string {
  return `${TOKEN_PREFIX[kind]}${randomBytes(32).toString('base64url')}`;
}

/** Lower-case hex SHA-256 of the token's UTF-8 bytes (what `gateways.token_hash` and `api_keys.key_hash` hold). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A short, non-secret hint to recognise a token in listings: its prefix and first 6 characters. */
export function tokenHint(token: string): string {
  const prefix = Object.values(TOKEN_PREFIX).find((p) => token.startsWith(p)) ?? '';
  return `${prefix}${token.slice(prefix.length, prefix.length + 6)}…`;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function looksLikeJwt(token: string): boolean {
  return token.startsWith('eyJ') && JWT_SHAPE.test(token);
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S{16,4096})\s*$/i.exec(header);
  return m?.[1];
}
