import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { DEMO_CARDS } from '../../src/core/demo-school.js';
import { browserAvailable, login, poll, printedBytes, rub, screenshot, useTill } from './harness.js';

const run = browserAvailable();

describe.skipIf(!run)('cashier app in Chromium (browser shell, real terminal core)', () => {
  const till = useTill();

  it('keyboard only: log in, open the shift, tap, three dishes by hotkeys, Enter pays, receipt printed, balance drops', async () => {
    const { page, shell } = till;
    await page.getByTestId('pin').waitFor();
    await screenshot(page, 'login.png');
    await login(page, '1111');
    await poll(() => page.getByTestId('no-shift').isVisible()).toBe(true);

    await page.keyboard.press('Control+m');
    await page.getByTestId('manager').waitFor();
    await page.keyboard.press('Enter'); // "Открыть смену" has the focus
    await poll(() => page.getByTestId('manager-info').textContent()).toContain('Смена №1 открыта');
    await page.keyboard.press('Escape');
    await poll(() => page.getByTestId('shift-info').textContent()).toContain('Смена №1');

    shell.runtime.simulatedReader!.tap(DEMO_CARDS.ivanov);
    await poll(() => page.getByTestId('pupil-name').textContent()).toBe('Иванов Иван Иванович');
    expect(await page.getByTestId('pupil-balance').textContent()).toBe(rub('677,66'));

    // 1 = каша 8,30; 2 = котлета 23,85; 5 = пицца 34,50 → 66,65
    for (const key of ['1', '2', '5']) await page.keyboard.press(key);
    await poll(() => page.getByTestId('cart-line').count()).toBe(3);
    await poll(() => page.getByTestId('cart-total').textContent()).toBe(rub('66,65'));
    await screenshot(page, 'sale-cart.png');

    await page.keyboard.press('Enter');
    await poll(() => page.getByTestId('notice').textContent()).toMatch(/Оплачено\. Чек №24-0+1/);
    expect(await page.getByTestId('pupil-balance').textContent()).toBe(rub('611,01'));
    expect(await page.getByTestId('cart-line').count()).toBe(0);
    await poll(() => page.getByTestId('receipt-preview').textContent()).toContain('ИТОГО');

    await shell.runtime.printIdle();
    const jobs = printedBytes(till.dataDir);
    expect(jobs.length).toBe(1);
    const bytes = jobs[0]!;
    for (const text of ['ИТОГО', '66,65', 'Остаток', '611,01', 'Пицца 125 г', 'И. И. И., 03Б']) {
      expect(bytes.includes(iconv.encode(text, 'cp866')), `receipt bytes contain ${text}`).toBe(true);
    }
    expect(bytes.includes(iconv.encode('Иванов', 'cp866')), 'initials only on the receipt').toBe(false);
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0x1b, 0x40])); // ESC @: printer initialised
    await screenshot(page, 'sale-paid.png');
  });

  it('blocked card, unknown card and too little money each show their message and keep the cart', async () => {
    const { page, shell } = till;
    const reader = shell.runtime.simulatedReader!;
    await page.keyboard.press('Escape');
    for (const key of ['5', '5', '6']) await page.keyboard.press(key); // 2 × пицца + сок = 82,20
    await poll(() => page.getByTestId('cart-total').textContent()).toBe(rub('82,20'));

    reader.tap(DEMO_CARDS.blocked);
    await poll(() => page.getByTestId('pupil-warning').first().textContent()).toBe('Карта заблокирована');
    await page.keyboard.press('Enter');
    await poll(() => page.getByTestId('error').textContent()).toMatch(/заблокирован/i);
    expect(await page.getByTestId('cart-line').count()).toBe(2);
    await screenshot(page, 'error-blocked.png');

    reader.tap('EM:00000DEAD1');
    await poll(() => page.getByTestId('error').textContent()).toMatch(/Карта не найдена/);
    expect(await page.getByTestId('cart-line').count()).toBe(2);

    reader.tap(DEMO_CARDS.lowBalance); // 10,00 on the account
    await poll(() => page.getByTestId('pupil-name').textContent()).toBe('Смирнов Алексей Игоревич');
    await page.keyboard.press('Enter');
    await poll(() => page.getByTestId('error').textContent()).toMatch(/Недостаточно средств/);
    expect(await page.getByTestId('cart-line').count()).toBe(2);
    expect(await page.getByTestId('pupil-balance').textContent()).toBe(rub('10,00'));
    await screenshot(page, 'error-funds.png');

    // The kept cart is still good: the right card pays for it.
    reader.tap(DEMO_CARDS.ivanov);
    await poll(() => page.getByTestId('pupil-name').textContent()).toBe('Иванов Иван Иванович');
    await page.keyboard.press('Enter');
    await poll(() => page.getByTestId('notice').textContent()).toMatch(/Оплачено/);
    expect(await page.getByTestId('pupil-balance').textContent()).toBe(rub('528,81')); // 611,01 − 82,20
  });

  it('manual card entry for a card that will not read', async () => {
    const { page } = till;
    await page.keyboard.press('Escape');
    await page.keyboard.press('/');
    await page.keyboard.type('Em-Marine[5500] 126,58404');
    await page.keyboard.press('Enter');
    await poll(() => page.getByTestId('pupil-name').textContent()).toBe('Иванов Иван Иванович');
  });

  it('the manager closes the shift and the Z report totals equal the sales', async () => {
    const { page, shell } = till;
    await page.getByTestId('logout').click();
    await login(page, '9999');
    await page.keyboard.press('Control+m');
    await page.getByTestId('manager').waitFor();
    await page.getByTestId('x-report').click();
    await poll(() => page.getByTestId('report-sales-count').textContent()).toBe('2');
    await page.getByTestId('close-shift').click();
    await page.getByTestId('confirm-close-shift').click();
    await poll(() => page.getByTestId('report').textContent()).toContain('Z-отчёт');
    expect(await page.getByTestId('report-sales-count').textContent()).toBe('2');
    expect(await page.getByTestId('report-sales-total').textContent()).toBe(rub('148,85')); // 66,65 + 82,20
    expect(await page.getByTestId('report-net').textContent()).toBe(rub('148,85'));
    await page.getByTestId('print-report').click();
    await poll(() => page.getByTestId('manager-info').textContent()).toContain('Z-отчёт отправлен на печать');
    await screenshot(page, 'z-report.png');
    await shell.runtime.printIdle();
    const last = printedBytes(till.dataDir).at(-1)!;
    expect(last.includes(iconv.encode('148,85', 'cp866'))).toBe(true);
    await page.keyboard.press('Escape');
    await poll(() => page.getByTestId('shift-info').textContent()).toBe('Смена закрыта');
  });
});
