import { randomFillSync } from 'node:crypto';

/*
 * UUIDv7 (RFC 9562) for the sale path. The `uuid` package draws fresh bytes from the OS
 * for every id (three per sale); a pool refilled every 400 ids costs a fraction of that.
 */
const pool = Buffer.allocUnsafe(4096);
let poolAt = pool.length;
function random10(out: Buffer, at: number): void {
  if (poolAt + 10 > pool.length) { randomFillSync(pool); poolAt = 0; }
  pool.copy(out, at, poolAt, poolAt + 10);
  poolAt += 10;
}

function format(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function build(ms: number, tail: Buffer | undefined): Buffer {
  const b = Buffer.allocUnsafe(16);
  b.writeUIntBE(ms, 0, 6);
  if (tail) tail.copy(b, 6, 0, 10); else random10(b, 6);
  b[6] = 0x70 | (b[6]! & 0x0f);   // version 7
  b[8] = 0x80 | (b[8]! & 0x3f);   // variant 10
  return b;
}

/** A random UUIDv7 for `ms` (default now). */
export function uuidv7(ms: number = Date.now()): string {
  return format(build(ms, undefined));
}

/**
 * Strictly increasing UUIDv7s, also across restarts (seeded with the last id issued) and
 * when the clock goes back: then the last timestamp is kept and the low 48 bits counted up.
 * Receipt ids are made with it, so they sort like receipt seqs and the seq b-tree can be
 * searched by id (PosService.receiptRowById): no separate index on the sale path.
 */
export class MonotonicUuidV7 {
  private lastMs = -1;
  private last: Buffer | undefined;

  constructor(lastIssued?: string | null) {
    if (lastIssued && /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(lastIssued)) {
      this.last = Buffer.from(lastIssued.replace(/-/g, ''), 'hex');
      this.lastMs = this.last.readUIntBE(0, 6);
    }
  }

  next(ms: number = Date.now()): string {
    let b: Buffer;
    if (ms > this.lastMs || !this.last) {
      b = build(ms, undefined);
    } else {
      b = Buffer.from(this.last);
      const low = b.readUIntBE(10, 6) + 1;
      if (low < 2 ** 48) b.writeUIntBE(low, 10, 6);
      else { b.writeUIntBE(this.lastMs + 1, 0, 6); b.writeUIntBE(0, 10, 6); }
    }
    this.last = b;
    this.lastMs = b.readUIntBE(0, 6);
    return format(b);
  }
}
