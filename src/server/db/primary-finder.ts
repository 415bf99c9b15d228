import type { ClientConfig } from 'pg';
import type { MultiHostUrl, TargetSessionAttrs } from './multi-host.js';

/** What a host says it is: a standby (in recovery) and/or read-only by default. */
export interface HostState { inRecovery: boolean; readOnly: boolean }

/** libpq's rule for keeping a connection (prefer-standby is a second pass, in findHost). */
export function accepts(target: TargetSessionAttrs, s: HostState): boolean {
  switch (target) {
    case 'any': case 'prefer-standby': return true;
    case 'read-write': return !s.inRecovery && !s.readOnly;
    case 'read-only': return s.inRecovery || s.readOnly;
    case 'primary': return !s.inRecovery;
    case 'standby': return s.inRecovery;
  }
}

type ClientCtor = new (config: ClientConfig) => {
  connect(): Promise<unknown>;
  query(text: string): Promise<{ rows: { r: boolean; ro: string }[] }>;
  end(): Promise<void>;
  on(event: 'error', fn: (err: Error) => void): unknown;
};

/** Connects to one host and asks what it is; undefined when it does not answer. */
export async function probeHost(Client: ClientCtor, url: string, timeoutMs: number): Promise<HostState | undefined> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => { /* a probe: its failure is the answer */ });
  try {
    await client.connect();
    const { rows } = await client.query(`SELECT pg_is_in_recovery() AS r, current_setting('default_transaction_read_only') AS ro`);
    return { inRecovery: rows[0]!.r, readOnly: rows[0]!.ro === 'on' };
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The first host, in the URL's order, that `target` accepts (libpq's order; prefer-standby: the first
 * standby, else the first host that answers). Undefined when none does right now.
 */
export async function findHost(
  Client: ClientCtor, url: MultiHostUrl, target: TargetSessionAttrs, timeoutMs = 5_000,
): Promise<number | undefined> {
  const states: (HostState | undefined)[] = [];
  for (let i = 0; i < url.hosts.length; i++) {
    const s = await probeHost(Client, url.urlFor(i), timeoutMs);
    states.push(s);
    if (s && accepts(target, s) && (target !== 'prefer-standby' || s.inRecovery)) return i;
  }
  if (target === 'prefer-standby') {
    const i = states.findIndex((s) => s !== undefined);
    if (i >= 0) return i;
  }
  return undefined;
}
