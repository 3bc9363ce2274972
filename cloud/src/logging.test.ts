import { describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from './logging.js';

describe('logger', () => {
  it('redacts patient identifiers, credentials and database error details wherever they appear', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } });
    log.info(
      {
        mrn: 'MRN-1',
        patient: { givenName: 'Ada', familyName: 'Lovelace', birthDate: '1815-12-10', id: 'p-1' },
        body: { items: { mrn: 'MRN-2' } },
        req: { headers: { authorization: 'Bearer vk_secret' } },
        token: 'vgw_secret',
        err: { message: 'duplicate key', detail: 'Key (customer_id, mrn)=(c, MRN-3) already exists.' },
      },
      'write',
    );
    const text = lines.join('');
    for (const secret of ['MRN-1', 'MRN-2', 'MRN-3', 'Ada', 'Lovelace', '1815', 'vk_secret', 'vgw_secret']) {
      expect(text, secret).not.toContain(secret);
    }
    expect(text).toContain('p-1');
    expect(text).toContain('[redacted]');
  });

  it('redacts identifying query parameters of logged request URLs', () => {
    expect(redactUrl('/v1/patients?mrn=MRN-9&limit=5')).toBe('/v1/patients?mrn=[redacted]&limit=5');
    expect(redactUrl('/v1/patients/abc')).toBe('/v1/patients/abc');
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } });
    log.info({ req: { method: 'GET', url: '/v1/patients?givenName=Ada&offset=2', ip: '127.0.0.1' } }, 'incoming request');
    expect(lines.join('')).not.toContain('Ada');
    expect(lines.join('')).toContain('offset=2');
  });
});
