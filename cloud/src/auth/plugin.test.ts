import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { PUBLIC, allow } from './access.js';
import type { Authenticator } from './authenticator.js';
import { authPlugin } from './plugin.js';

const nobody: Authenticator = {
  authenticate: async () => {
    throw new Error('not used');
  },
};

describe('auth plugin', () => {
  it('refuses to start with a route that declares no access', async () => {
    const app = Fastify();
    await app.register(authPlugin, { authenticator: nobody });
    app.get('/declared', { config: { access: PUBLIC } }, async () => 'ok');
    app.get('/forgotten', async () => 'oops');
    await expect(app.ready()).rejects.toThrow(/GET \/forgotten declares no config.access/);
    await app.close();
  });

  it('starts when every route declares its access', async () => {
    const app = Fastify();
    await app.register(authPlugin, { authenticator: nobody });
    app.get('/a', { config: { access: PUBLIC } }, async () => 'ok');
    app.post('/b', { config: { access: allow(['customer-admin']) } }, async () => 'ok');
    await expect(app.ready()).resolves.toBeDefined();
    await app.close();
  });
});
