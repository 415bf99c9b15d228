import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listReaders } from '../../hardware/reader/discover.js';
import { MockSerial } from '../../hardware/reader/serial-mock.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Runs `canteen …`, feeding stdin, until it exits; resolves with stdout lines. */
function canteen(args: string[], opts: { stdin?: string; onSpawn?: (p: ChildProcess) => void } = {}): Promise<{ code: number | null; lines: string[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(ROOT, 'bin/canteen.mjs'), ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    const kill = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.on('error', reject);
    p.on('exit', (code) => { clearTimeout(kill); resolve({ code, lines: out.split('\n').filter(Boolean), stderr: err }); });
    opts.onSpawn?.(p);
    if (opts.stdin !== undefined) p.stdin.end(opts.stdin);
  });
}

describe('canteen reader', () => {
  it('--port simulated: taps from stdin become card lines, bad ids error lines', async () => {
    const r = await canteen(['reader', '--port', 'simulated', '--count', '2'], { stdin: 'EM:55007EE424\nnot-a-card\nMF:BCD14264\n' });
    expect(r.code).toBe(0);
    const events = r.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.filter((e) => 'card' in e).map((e) => [e.card, e.raw])).toEqual([
      ['EM:55007EE424', 'Em-Marine[5500] 126,58404'],
      ['MF:BCD14264', 'Mifare[BCD14264] 066,53692'],
    ]);
    expect(events.find((e) => 'error' in e)).toEqual({ error: 'Неверный номер карты: «not-a-card»', raw: 'not-a-card' });
    expect(events[0]).toEqual({ reader: { connected: true, simulated: true, port: 'simulated' } });
  });

  it('rejects a malformed --port with a Russian message', async () => {
    const r = await canteen(['reader', '--port', 'hid:xyz']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Неверный адрес HID-считывателя/);
  });

  describe.skipIf(!existsSync('/usr/bin/socat'))('over a socat PTY pair', () => {
    let dir: string;
    let socat: ChildProcess;
    beforeAll(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'canteen-cli-pty-'));
      socat = spawn('/usr/bin/socat', [`pty,raw,echo=0,link=${dir}/z2`, `pty,raw,echo=0,link=${dir}/host`], { stdio: 'ignore' });
      for (let i = 0; i < 200 && !existsSync(`${dir}/host`); i++) await new Promise((r) => setTimeout(r, 10));
    });
    afterAll(() => { socat.kill(); rmSync(dir, { recursive: true, force: true }); });

    it('prints a JSON line per card and per garbled line', async () => {
      const r = await canteen(['reader', '--port', `${dir}/z2`, '--count', '1'], {
        onSpawn: (p) => {
          // write once the reader says it is connected
          p.stdout!.on('data', (d: Buffer) => {
            if (!String(d).includes('"connected":true')) return;
            const fd = openSync(`${dir}/host`, 'w');
            writeSync(fd, 'Em-Marine[5500 oops\r\nEm-Marine[5500] 126,58404\r\n');
            closeSync(fd);
          });
        },
      });
      expect(r.code).toBe(0);
      const events = r.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(events.filter((e) => !('reader' in e)).map((e) => ('card' in e ? e.card : e.raw))).toEqual(['Em-Marine[5500 oops', 'EM:55007EE424']);
      expect(String(events.find((e) => 'error' in e)!.error)).toMatch(/^Не удалось прочитать карту/);
    });
  });
});

describe('listReaders (canteen devices)', () => {
  it('names the Z-2, other serial ports and HID readers, skips mice, flags keyboards', async () => {
    const mock = await MockSerial.create();
    mock.plug('/dev/ttyUSB0');
    mock.plug('/dev/ttyUSB1', { vendorId: '1a86', productId: '7523' });
    const { readers, notes } = await listReaders({
      serialDriver: mock.driver,
      hidDevices: async () => [
        { vendorId: 0xffff, productId: 0x0035, product: 'RFID Reader', usagePage: 0xff00, usage: 1 },
        { vendorId: 0xffff, productId: 0x0035, product: 'RFID Reader', usagePage: 0xff00, usage: 2 },  // second interface
        { vendorId: 0x046d, productId: 0xc077, product: 'Mouse', usagePage: 1, usage: 2 },
        { vendorId: 0x08ff, productId: 0x0009, product: 'USB Keyboard', usagePage: 1, usage: 6 },
      ],
      sysUsbDir: '/nonexistent',
    });
    expect(notes).toEqual([]);
    expect(readers.map((r) => [r.kind, r.port, r.spec])).toEqual([
      ['z2', '/dev/ttyUSB0', '/dev/ttyUSB0'],
      ['serial', '/dev/ttyUSB1', '/dev/ttyUSB1'],
      ['hid', 'ffff:0035', 'hid:ffff:0035'],
      ['keyboard', '08ff:0009', undefined],
    ]);
    expect(readers[0]!.guess).toMatch(/IronLogic Z-2/);
    mock.unplugAll();
  });

  it.skipIf(process.platform !== 'linux')('spots a Z-2 on the USB bus that has no serial port (udev rule missing)', async () => {
    const sys = mkdtempSync(path.join(tmpdir(), 'canteen-sysusb-'));
    mkdirSync(path.join(sys, '1-1.4'));
    writeFileSync(path.join(sys, '1-1.4', 'idVendor'), '0403\n');
    writeFileSync(path.join(sys, '1-1.4', 'idProduct'), '1234\n');
    const { readers } = await listReaders({ serialDriver: { list: async () => [], open: async () => { throw new Error('no'); } }, hidDevices: null, sysUsbDir: sys });
    rmSync(sys, { recursive: true, force: true });
    expect(readers).toHaveLength(1);
    expect(readers[0]).toMatchObject({ kind: 'usb-no-driver', vendorId: '0403', productId: '1234' });
    expect(readers[0]!.guess).toMatch(/правило udev/);
  });

  it('a driver that fails to load is a note', async () => {
    const { readers, notes } = await listReaders({
      serialDriver: { list: async () => { throw new Error('spawn udevadm ENOENT'); }, open: async () => { throw new Error('no'); } },
      hidDevices: async () => { throw new Error('libusb-1.0.so.0: cannot open shared object file'); },
      sysUsbDir: '/nonexistent',
    });
    expect(readers).toEqual([]);
    expect(notes).toEqual(['Последовательные порты: spawn udevadm ENOENT', 'HID-устройства: libusb-1.0.so.0: cannot open shared object file']);
  });
});
