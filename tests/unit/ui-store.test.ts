import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PosEvent } from '../../src/api/pos-api.js';
import type { PosBridge } from '../../src/api/pos-bridge.js';
import { DEMO_CARDS } from '../../src/core/demo-school.js';
import { SimulatedPrinter } from '../../hardware/printer/index.js';
import { openRuntime, type Runtime } from '../../src/shell/runtime.js';
import { createPosStore } from '../../src/ui/store.js';
import { receiptText } from '../../src/ui/receipt-text.js';

// The cashier UI's state machine over the real till: the shells' runtime on a temporary
// SQLite with the demo school, the simulated reader and an in-memory printer.
// Why not a fake PosApi with a contract suite run against both: deleting the fake is the
// stronger guarantee for less code. A contract suite only checks the scenarios someone wrote
// down, and the fake (234 lines) had to be kept in step with every new PosApi call; with no
// fake there is nothing to drift (it had already: an unknown card's message differed). The
// real till opens here in well under a second. One runtime per file; each test makes its own store.
let runtime: Runtime;
const dataDir = mkdtempSync(path.join(tmpdir(), 'canteen-ui-store-'));
const printer = new SimulatedPrinter('escpos', 32);
/** Events the test itself sends (a sync state: this till has no server). */
const injected = new Set<(e: PosEvent) => void>();

beforeAll(async () => {
  runtime = await openRuntime({ dataDir, seedDemo: true, reader: 'simulated', printer, server: false, dbKeyStore: false });
}, 180_000);
afterAll(async () => { await runtime.close(); rmSync(dataDir, { recursive: true, force: true }); });

function bridge(): PosBridge {
  return {
    ...runtime.api,
    onEvent(l) {
      injected.add(l);
      const off = runtime.onEvent(l);
      return () => { injected.delete(l); off(); };
    },
  };
}

async function ready() {
  const api = bridge();
  const store = createPosStore(api);
  await store.getState().init();
  await store.getState().login('1111');
  const shift = await api.openShift();
  expect(shift.ok || shift.error.code === 'SHIFT_ALREADY_OPEN').toBe(true);
  await store.getState().refreshStatus();
  return { api, store, s: () => store.getState() };
}

describe('cashier store', () => {
  it('a tap shows the pupil; hotkey items fill the cart; paying charges and clears the cart', async () => {
    const { s, api } = await ready();
    await api.simulateTap(DEMO_CARDS.ivanov);
    await vi.waitFor(() => expect(s().pupil?.fullName).toBe('Иванов Иван Иванович'));
    const balance = s().pupil!.balance;
    s().addItem(s().hotkeys.get('5')!.id);
    s().addItem(s().hotkeys.get('5')!.id);
    expect(s().cart).toEqual([{ itemId: 'dish-pizza', quantity: 2 }]);
    await vi.waitFor(() => expect(s().quote?.total).toBe(6900));
    await s().pay();
    expect(s().lastSale?.total).toBe(6900);
    expect(s().pupil?.balance).toBe(balance - 6900);
    expect(s().cart).toEqual([]);
    expect(receiptText(s().preview!).join('\n')).toMatch(/ИТОГО +69,00/);
  });

  it('errors from the core are shown in place and the cart survives them', async () => {
    const { s } = await ready();
    s().addItem('dish-pizza');
    s().addItem('dish-sok');
    await s().pay();
    expect(s().error).toBe('Приложите карту учащегося');

    await s().tap('EM:00000DEAD1');
    expect(s().error).toBe('Карта не найдена. Обратитесь к заведующему'); // the old fake said «не зарегистрирована»
    await s().tap(DEMO_CARDS.blocked);
    await s().pay();
    expect(s().error).toBe('Карта заблокирована. Продажа невозможна');
    await s().tap(DEMO_CARDS.lowBalance);
    await s().pay();
    expect(s().error).toMatch(/Недостаточно средств/);
    expect(s().cart.map((l) => l.itemId)).toEqual(['dish-pizza', 'dish-sok']);

    await s().tap(DEMO_CARDS.ivanov);
    await s().pay();
    expect(s().error).toBeUndefined();
    expect(s().lastSale?.total).toBe(3450 + 1320);
  });

  it('Esc cancels the sale: cart and pupil go, a new sale id is made', async () => {
    const { s } = await ready();
    await s().tap(DEMO_CARDS.ivanov);
    s().addItem('dish-pizza');
    const before = s().saleId;
    s().cancel();
    expect(s().cart).toEqual([]);
    expect(s().pupil).toBeUndefined();
    expect(s().saleId).not.toBe(before);
  });

  it('a failed payment keeps the sale id, so a retry cannot charge twice', async () => {
    const { api, s } = await ready();
    const ids: string[] = [];
    const realSell = api.sell;
    api.sell = async (req) => { ids.push(req.saleId); return ids.length === 1 ? { ok: false, error: { code: 'INTERNAL', message: 'Нет связи с кассовым модулем' } } : realSell(req); };
    const store = createPosStore(api);
    await store.getState().init();
    await store.getState().refreshStatus();
    await store.getState().tap(DEMO_CARDS.ivanov);
    const before = store.getState().pupil!.balance;
    store.getState().addItem('dish-pizza');
    await store.getState().pay();
    expect(store.getState().cart.length).toBe(1);
    await store.getState().pay();
    expect(ids[0]).toBe(ids[1]);
    expect(store.getState().lastSale?.total).toBe(3450);
    expect(store.getState().pupil?.balance).toBe(before - 3450);
    void s;
  });

  it('status events update the status bar state: the printer out of paper, the sync state', async () => {
    const { s } = await ready();
    printer.faults.paperOut = true;
    try {
      await s().tap(DEMO_CARDS.ivanov);
      s().addItem('dish-sok');
      await s().pay();
      expect(s().lastSale?.total).toBe(1320);
      await vi.waitFor(() => expect(s().status?.printer.state).toBe('paperOut'), { timeout: 10_000 });
    } finally {
      printer.faults.paperOut = false;
    }
    for (const l of injected) l({ type: 'sync', state: { configured: true, online: false, pending: 3 } });
    expect(s().status?.sync).toMatchObject({ online: false, pending: 3 });
  });
});

describe('receipt preview', () => {
  it('shows the printer layout but never a temporary cabinet password', () => {
    const lines = receiptText({
      kind: 'sale', schoolName: 'Школа №24', terminalName: 'Касса 1', number: '24-000003', issuedAt: '2026-03-15T07:42:00Z',
      timeZone: 'Europe/Moscow', lines: [{ name: 'Пицца 125 г', quantity: 1, unitPrice: 3450, amount: 3450 }], total: 3450,
      cabinetLogin: { url: 'https://k.canteen.local', login: '0242013145', password: 'ktmr86yz' },
    }).join('\n');
    expect(lines).toMatch(/Чек №24-000003 +15\.03\.2026 10:42/);
    expect(lines).toContain('0242013145');
    expect(lines).not.toContain('ktmr86yz');
  });
});
