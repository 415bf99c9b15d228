import { describe, expect, it } from 'vitest';
import { DEMO_CARDS } from '../../src/core/demo-school.js';
import { createPosStore } from '../../src/ui/store.js';
import { createFakePos } from '../../src/ui/testing/fake-pos.js';
import { receiptText } from '../../src/ui/receipt-text.js';

// The cashier UI's state machine over the in-memory fake core (the e2e tests
// run the same flows against the real core in Chromium).
async function ready() {
  const api = createFakePos();
  const store = createPosStore(api);
  await store.getState().init();
  await store.getState().login('1111');
  await api.openShift();
  await store.getState().refreshStatus();
  return { api, store, s: () => store.getState() };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('cashier store', () => {
  it('a tap shows the pupil; hotkey items fill the cart; paying charges and clears the cart', async () => {
    const { s, api } = await ready();
    await api.simulateTap(DEMO_CARDS.ivanov);
    await settle();
    expect(s().pupil?.fullName).toBe('Иванов Иван Иванович');
    s().addItem(s().hotkeys.get('5')!.id);
    s().addItem(s().hotkeys.get('5')!.id);
    await settle();
    expect(s().cart).toEqual([{ itemId: 'dish-pizza', quantity: 2 }]);
    expect(s().quote?.total).toBe(6900);
    await s().pay();
    expect(s().lastSale?.total).toBe(6900);
    expect(s().pupil?.balance).toBe(67766 - 6900);
    expect(s().cart).toEqual([]);
    expect(receiptText(s().preview!).join('\n')).toMatch(/ИТОГО +69,00/);
  });

  it('errors from the core are shown in place and the cart survives them', async () => {
    const { s, api } = await ready();
    s().addItem('dish-pizza');
    s().addItem('dish-sok');
    await s().pay();
    expect(s().error).toBe('Приложите карту учащегося');

    await s().tap('EM:00000DEAD1');
    expect(s().error).toMatch(/не зарегистрирована/);
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
    expect((await api.status()).ok).toBe(true);
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
    const { s, api } = await ready();
    let calls = 0;
    const realSell = api.sell;
    const ids: string[] = [];
    api.sell = async (req) => { calls++; ids.push(req.saleId); return calls === 1 ? { ok: false, error: { code: 'INTERNAL', message: 'Нет связи с кассовым модулем' } } : realSell(req); };
    const store = createPosStore(api);
    await store.getState().init();
    await store.getState().refreshStatus();
    await store.getState().tap(DEMO_CARDS.ivanov);
    store.getState().addItem('dish-pizza');
    await store.getState().pay();
    expect(store.getState().cart.length).toBe(1);
    await store.getState().pay();
    expect(ids[0]).toBe(ids[1]);
    expect(store.getState().lastSale?.total).toBe(3450);
    void s;
  });

  it('status events update the status bar state', async () => {
    const { s, api } = await ready();
    api.setSync({ configured: true, online: false, pending: 3 });
    expect(s().status?.sync).toMatchObject({ online: false, pending: 3 });
    api.setPrinter({ state: 'paperOut' });
    expect(s().status?.printer.state).toBe('paperOut');
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
