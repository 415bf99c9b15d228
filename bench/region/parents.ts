import { performance } from 'node:perf_hooks';
import type { Recorder } from './till.js';
import { PARENT_PASSWORD } from './seed.js';

/**
 * Parents in the cabinet at `perSecond` visits a second (Poisson arrivals): each visit opens the
 * login page, logs in (argon2 verify on the server, as in life) and opens the statement. The
 * statement page is the "cabinet" latency; the login POST is reported apart.
 */
export function startParents(opts: { serverUrl: string; parents: string[]; perSecond: number; recorder: Recorder }): () => Promise<void> {
  const { serverUrl, parents, recorder } = opts;
  let stopped = false;
  const inflight = new Set<Promise<void>>();
  let n = 0;
  const host = new URL(serverUrl).host;

  const visit = async (account: string, address: string) => {
    const cookies = new Map<string, string>();
    const absorb = (res: Response) => {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair!.indexOf('=');
        cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
      }
    };
    const headers = () => ({ cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'x-forwarded-for': address });
    try {
      const page = await fetch(`${serverUrl}/cabinet/login`, { headers: headers() });
      absorb(page);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
      let t0 = performance.now();
      const login = await fetch(`${serverUrl}/cabinet/login`, {
        method: 'POST', redirect: 'manual',
        headers: { ...headers(), 'content-type': 'application/x-www-form-urlencoded', origin: `http://${host}` },
        body: new URLSearchParams({ _csrf: csrf, account, password: PARENT_PASSWORD }).toString(),
      });
      await login.arrayBuffer();
      if (login.status !== 303) throw new Error(`login answered ${login.status}`);
      if (recorder.measuring) recorder.login.push(performance.now() - t0);
      absorb(login);
      t0 = performance.now();
      const st = await fetch(`${serverUrl}/cabinet/statement`, { headers: headers(), redirect: 'manual' });
      const body = await st.text();
      if (st.status !== 200 || !body.includes('</html>')) throw new Error(`statement answered ${st.status}`);
      if (recorder.measuring) recorder.cabinet.push(performance.now() - t0);
    } catch (err) {
      if (recorder.measuring) {
        recorder.counts.cabinetErrors++;
        recorder.error(`cabinet: ${String((err as Error).message)}`);
      }
    }
  };

  const next = () => {
    if (stopped || opts.perSecond <= 0) return;
    const wait = -Math.log(1 - Math.random()) * 1000 / opts.perSecond;
    setTimeout(() => {
      if (stopped) return;
      const i = n++;
      const p = visit(parents[(i * 7919) % parents.length]!, `10.200.${(i >> 8) & 255}.${i & 255}`);
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      next();
    }, wait);
  };
  next();
  return async () => {
    stopped = true;
    await Promise.all([...inflight]);
  };
}
