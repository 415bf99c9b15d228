import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.js';

// Issue 17: behind a proxy the enrolment limit (guessing codes) must be per school's address, not
// one limit for the whole region (every request then comes from the proxy).
let s: TestServer;
beforeAll(async () => { s = await startTestServer({ config: { trustProxy: '127.0.0.1', enrollPerMinute: 3, housekeeping: { intervalMs: 0 } } }); }, 180_000);
afterAll(async () => { await s?.close(); });

const enrol = (address: string | undefined) => fetch(`${s.url}/api/v1/terminals/enroll`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(address ? { 'x-forwarded-for': address } : {}) },
  body: JSON.stringify({ code: 'AAAA-BBBB-CCCC' }),
});

describe('the enrolment limit behind a proxy', () => {
  it('counts each school\'s address on its own: one school guessing codes does not lock out the others', async () => {
    for (let i = 0; i < 3; i++) expect((await enrol('10.0.1.1')).status).toBe(401);   // a wrong code, counted
    const limited = await enrol('10.0.1.1');
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { error: { message: string } }).error.message).toMatch(/Слишком много попыток/);
    // Another school through the same proxy still gets its own three tries.
    for (let i = 0; i < 3; i++) expect((await enrol('10.0.2.1')).status).toBe(401);
    expect((await enrol('10.0.2.1')).status).toBe(429);
    expect((await enrol('10.0.3.1')).status).toBe(401);
  });

  it('requests without X-Forwarded-For count as the address of the proxy itself, limited like any other', async () => {
    // The proxy's own address (no X-Forwarded-For) is one more "school": limited like the others.
    for (let i = 0; i < 3; i++) expect((await enrol(undefined)).status).toBe(401);
    expect((await enrol(undefined)).status).toBe(429);
  });
});
