import { describe, expect, it } from 'vitest';
import net from 'node:net';
import {
  buildEscposStatus, buildStarAsb, parseEscposStatus, parseStarAsb, asbLength, MESSAGES,
} from '../../hardware/printer/status.js';
import { TcpTransport } from '../../hardware/printer/transports.js';
import { TransportPrinter } from '../../hardware/printer/device.js';

describe('ESC/POS DLE EOT status', () => {
  it('reads ready, paper out, near end, cover open, offline', () => {
    expect(parseEscposStatus(0x12, 0x12, 0x12).state).toBe('ready');
    expect(parseEscposStatus(...buildEscposStatus({ paperOut: true })).state).toBe('paperOut');
    expect(parseEscposStatus(...buildEscposStatus({ paperNearEnd: true })).state).toBe('paperNearEnd');
    expect(parseEscposStatus(...buildEscposStatus({ coverOpen: true })).state).toBe('coverOpen');
    expect(parseEscposStatus(0x1a, 0x12, 0x12).state).toBe('offline');
    // Real answers: paper end sensor bits 5,6 in DLE EOT 4.
    expect(parseEscposStatus(0x12, 0x12, 0x72).paperOut).toBe(true);
  });
  it('treats silence or garbage as offline', () => {
    expect(parseEscposStatus(undefined, undefined, undefined).state).toBe('offline');
    expect(parseEscposStatus(0xff, 0x12, 0x12).state).toBe('offline');
  });
  it('has a Russian message for every state', () => {
    for (const m of Object.values(MESSAGES)) expect(m).toMatch(/[а-яё]/i);
  });
});

describe('Star ASB', () => {
  it('parses length, cover, offline, paper out and near end', () => {
    const asb = buildStarAsb({});
    expect(asbLength(asb[0]!)).toBe(9);
    expect(parseStarAsb(asb).state).toBe('ready');
    expect(parseStarAsb(buildStarAsb({ coverOpen: true })).state).toBe('coverOpen');
    expect(parseStarAsb(buildStarAsb({ paperOut: true })).state).toBe('paperOut');
    expect(parseStarAsb(buildStarAsb({ paperNearEnd: true })).state).toBe('paperNearEnd');
    expect(parseStarAsb(buildStarAsb({ offline: true })).state).toBe('offline');
    // A TSP100's 9-byte ASB with receipt paper empty (byte 6 bit 3) and offline (byte 3 bit 3).
    expect(parseStarAsb(Uint8Array.of(0x23, 0x86, 0x08, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00)).paperOut).toBe(true);
  });
  it('rejects a byte string that is not an ASB', () => {
    expect(parseStarAsb(Uint8Array.of(0x00)).state).toBe('offline');
  });
});

describe('status over TCP 9100', () => {
  it('asks a Star printer for its ASB and an ESC/POS printer with DLE EOT', async () => {
    const received: Buffer[] = [];
    const server = net.createServer((sock) => {
      sock.on('data', (d) => {
        received.push(d);
        if (d[0] === 0x1b && d[1] === 0x06) sock.write(buildStarAsb({ paperNearEnd: true }));
        if (d[0] === 0x10 && d[1] === 0x04) sock.write(Buffer.from([buildEscposStatus({ coverOpen: true })[d[2]! === 4 ? 2 : d[2]! - 1]!]));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const star = new TransportPrinter(new TcpTransport('127.0.0.1', port), 'star-line', 48);
      expect((await star.status()).state).toBe('paperNearEnd');
      const escpos = new TransportPrinter(new TcpTransport('127.0.0.1', port), 'escpos', 48);
      expect((await escpos.status()).state).toBe('coverOpen');
      await escpos.print(Uint8Array.of(0x1b, 0x40, 0x41, 0x0a));
      await new Promise((r) => setTimeout(r, 50));
      expect(Buffer.concat(received).includes(Buffer.from([0x1b, 0x40, 0x41, 0x0a]))).toBe(true);
    } finally {
      server.close();
    }
  });
  it('reports offline when nothing listens', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const p = new TransportPrinter(new TcpTransport('127.0.0.1', port), 'escpos', 48);
    expect((await p.status()).state).toBe('offline');
    await expect(p.print(Uint8Array.of(0x41))).rejects.toThrow(/Принтер не принял чек/);
  });
});
