/**
 * libpq's multi-host connection URI, which node-postgres does not parse:
 *
 *   postgres://user:pass@host1:5432,[::1]:5433,%2Fvar%2Frun%2Fpostgresql/db?target_session_attrs=read-write
 *
 * We split the host list ourselves and hand node-postgres one ordinary single-host URL per host
 * (`urlFor`), so everything else in the URL (user, password, database, sslmode …) keeps meaning
 * what it means to node-postgres today. No I/O here: primary-finder.ts connects.
 */

/** What a connection must be to be kept (libpq's `target_session_attrs`). */
export type TargetSessionAttrs = 'any' | 'read-write' | 'read-only' | 'primary' | 'standby' | 'prefer-standby';
const TARGETS: readonly TargetSessionAttrs[] = ['any', 'read-write', 'read-only', 'primary', 'standby', 'prefer-standby'];

export interface HostPort { host: string; port: number }

export interface MultiHostUrl {
  hosts: HostPort[];
  /** From the URL; `any` when absent (libpq's default). */
  targetSessionAttrs: TargetSessionAttrs;
  /** Whether the URL named target_session_attrs at all (the replica URL defaults to prefer-standby). */
  targetGiven: boolean;
  /** A single-host URL for host `i` (node-postgres parses it); target_session_attrs removed. */
  urlFor(i: number): string;
}

const DEFAULT_PORT = 5432;

function fail(why: string): never {
  throw new Error(`Неверный адрес базы данных (DATABASE_URL): ${why}`);
}

/** Parses `postgres://` / `postgresql://` URLs with one or more hosts. Throws a Russian message on a malformed one. */
export function parseMultiHostUrl(url: string): MultiHostUrl {
  const scheme = /^(postgres(?:ql)?):\/\//i.exec(url);
  if (!scheme) fail('ожидается postgres://…');
  const rest = url.slice(scheme[0].length);
  const end = rest.search(/[/?]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const tail = end < 0 ? '' : rest.slice(end);
  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? '' : authority.slice(0, at + 1);
  const hostList = authority.slice(at + 1);

  const [pathPart = '', queryPart] = splitOnce(tail, '?');
  const params = new URLSearchParams(queryPart ?? '');
  const specs = hostList.split(',');
  // libpq: `?port=` is one port for every host or one per host.
  const ports = params.has('port') ? params.get('port')!.split(',').map(parsePort) : [DEFAULT_PORT];
  if (ports.length !== 1 && ports.length !== specs.length) fail(`${ports.length} портов на ${specs.length} хостов`);
  const hosts = specs.map((spec, i) => parseHostSpec(spec, ports[ports.length === 1 ? 0 : i]!));

  const given = params.get('target_session_attrs');
  if (given !== null && !TARGETS.includes(given as TargetSessionAttrs)) {
    fail(`target_session_attrs=${given}: допустимо ${TARGETS.join(', ')}`);
  }
  params.delete('target_session_attrs');
  params.delete('port');
  const query = params.toString();

  return {
    hosts,
    targetSessionAttrs: (given ?? 'any') as TargetSessionAttrs,
    targetGiven: given !== null,
    urlFor(i) {
      const h = hosts[i];
      if (!h) throw new RangeError(`no host ${i}`);
      return `${scheme[1]!.toLowerCase()}://${userinfo}${formatHost(h.host)}:${h.port}${pathPart}${query ? `?${query}` : ''}`;
    },
  };
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

function parseHostSpec(spec: string, defaultPort: number): HostPort {
  let host: string;
  let portText: string | undefined;
  if (spec.startsWith('[')) {
    const close = spec.indexOf(']');
    if (close < 0) fail(`не закрыта скобка IPv6 в «${spec}»`);
    host = spec.slice(1, close);
    const after = spec.slice(close + 1);
    if (after && !after.startsWith(':')) fail(`лишнее после адреса IPv6 в «${spec}»`);
    portText = after ? after.slice(1) : undefined;
  } else {
    const colon = spec.indexOf(':');
    host = colon < 0 ? spec : spec.slice(0, colon);
    portText = colon < 0 ? undefined : spec.slice(colon + 1);
  }
  try {
    host = decodeURIComponent(host);
  } catch {
    fail(`неверная %-кодировка в имени хоста «${host}»`);
  }
  // libpq: an empty host is the default one.
  return { host: host || 'localhost', port: portText ? parsePort(portText) : defaultPort };
}

function parsePort(text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) fail(`неверный порт «${text}»`);
  return port;
}

/** How node-postgres's parser reads a host back: IPv6 in brackets, a socket folder percent-encoded. */
function formatHost(host: string): string {
  if (host.includes(':')) return `[${host}]`;
  return host.startsWith('/') ? encodeURIComponent(host) : host;
}
