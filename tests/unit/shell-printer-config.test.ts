import { describe, expect, it } from 'vitest';
import { printerFromSetting } from '../../src/shell/printer-config.js';

describe('CANTEEN_PRINTER setting', () => {
  it('builds a real printer for each connection kind', () => {
    const tcp = printerFromSetting('tcp:192.168.1.50', 'star-line', '80');
    expect('error' in tcp).toBe(false);
    if ('error' in tcp) return;
    expect(tcp.simulated).toBe(false);
    expect(tcp.profile).toBe('star-line');
    expect(tcp.columns).toBe(48);
    expect(tcp.description).toContain('192.168.1.50');
    const serial = printerFromSetting('serial:COM3@19200');
    expect('error' in serial ? serial.error : serial.columns).toBe(32);
  });

  it('explains a bad setting in Russian', () => {
    expect(printerFromSetting('lpt1')).toEqual({ error: expect.stringMatching(/^Неверная настройка принтера «lpt1»/) });
    expect(printerFromSetting('tcp:1.2.3.4', 'zebra')).toEqual({ error: expect.stringMatching(/Неизвестный профиль принтера «zebra»/) });
    expect(printerFromSetting('tcp:1.2.3.4', 'escpos', '76')).toEqual({ error: 'Ширина бумаги: 58 или 80 мм' });
  });
});
