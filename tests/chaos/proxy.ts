import net from 'node:net';

export type Fault = 'pass' | 'beforeRequest' | 'afterCommit' | 'midReply';

/**
 * A TCP proxy of the tests' own between terminal and server that cuts
 * connections at chosen points of an HTTP exchange:
 * - beforeRequest: the request's first bytes arrive and the connection dies; the server never sees it;
 * - afterCommit: the request reaches the server, which commits and answers; the answer is dropped;
 * - midReply: half of the answer's first chunk is passed on, then the connection dies.
 * The fault is chosen per request (at its first bytes), so keep-alive reuse is covered too.
 */
export class ChaosProxy {
  private server: net.Server;
  private sockets = new Set<net.Socket>();
  readonly counts: Record<Fault, number> = { pass: 0, beforeRequest: 0, afterCommit: 0, midReply: 0 };
  port = 0;

  constructor(private readonly target: { host: string; port: number }, public choose: () => Fault = () => 'pass') {
    this.server = net.createServer((client) => this.handle(client));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  get url(): string { return `http://127.0.0.1:${this.port}`; }

  private handle(client: net.Socket): void {
    const upstream = net.connect(this.target.port, this.target.host);
    this.sockets.add(client).add(upstream);
    const kill = () => { client.destroy(); upstream.destroy(); };
    client.on('close', () => { this.sockets.delete(client); upstream.destroy(); });
    upstream.on('close', () => { this.sockets.delete(upstream); client.destroy(); });
    client.on('error', kill);
    upstream.on('error', kill);

    let fault: Fault = 'pass';
    let awaitingRequest = true;
    client.on('data', (chunk: Buffer) => {
      if (awaitingRequest) {
        awaitingRequest = false;
        fault = this.choose();
        this.counts[fault]++;
        if (fault === 'beforeRequest') { kill(); return; }
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      awaitingRequest = true;
      if (fault === 'afterCommit') { kill(); return; }
      if (fault === 'midReply') {
        client.write(chunk.subarray(0, Math.max(1, Math.floor(chunk.length / 2))), () => kill());
        return;
      }
      client.write(chunk);
    });
  }

  /** Drops every open connection (a network blip). */
  dropAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
