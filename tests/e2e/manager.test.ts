import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { DEMO_CARDS } from '../../src/core/demo-school.js';
import { browserAvailable, login, poll, printedBytes, rub, screenshot, useTill } from './harness.js';

const run = browserAvailable();

describe.skipIf(!run)('manager screens in Chromium (real terminal core)', () => {
  const till = useTill();

  it('refund a receipt, block a card, print a new cabinet password', async () => {
    const { page, shell } = till;
    const reader = shell.runtime.simulatedReader!;
    await login(page, '9999');
    await page.keyboard.press('Control+m');
    await page.keyboard.press('Enter');
    await poll(() => page.getByTestId('manager-info').textContent()).toContain('открыта');
    await page.keyboard.press('Escape');

    reader.tap(DEMO_CARDS.ivanov);
    await poll(() => page.getByTestId('pupil-name').textContent()).toBe('Иванов Иван Иванович');
    await page.keyboard.press('5');
    await poll(() => page.getByTestId('cart-line').count()).toBe(1);
    await page.keyboard.press('Enter');
    await poll(() => page.getByTestId('pupil-balance').textContent()).toBe(rub('643,16'));

    // Refund
    await page.keyboard.press('Control+m');
    await page.getByTestId('tab-refund').click();
    await page.getByTestId('receipt-list').locator('input[type=radio]').first().check();
    await page.getByTestId('refund-reason').fill('не та карта');
    await screenshot(page, 'manager-refund.png');
    await page.getByTestId('do-refund').click();
    await poll(() => page.getByTestId('manager-info').textContent()).toMatch(/Возврат оформлен: чек №24-0+2, остаток 677,66/);

    // Block the pupil's card (the current pupil's card is filled in)
    await page.getByTestId('tab-block').click();
    expect(await page.getByTestId('block-card').inputValue()).toBe(DEMO_CARDS.ivanov);
    await page.getByTestId('do-block').click();
    await poll(() => page.getByTestId('manager-info').textContent()).toContain('заблокирована');

    // New cabinet password for the same account
    await page.getByTestId('tab-password').click();
    expect(await page.getByTestId('password-account').inputValue()).toBe('0242013137');
    await page.getByTestId('do-password').click();
    await poll(() => page.getByTestId('manager-info').textContent()).toContain('отправлен на печать');
    await page.keyboard.press('Escape');

    reader.tap(DEMO_CARDS.ivanov);
    await poll(() => page.getByTestId('pupil-warning').first().textContent()).toBe('Карта заблокирована');
    expect(await page.getByTestId('pupil-balance').textContent()).toBe(rub('677,66'));

    await shell.runtime.printIdle();
    const jobs = printedBytes(till.dataDir);
    expect(jobs.length).toBe(3); // sale, refund, cabinet login
    expect(jobs[1]!.includes(iconv.encode('ВОЗВРАТ', 'cp866'))).toBe(true);
    expect(jobs[2]!.includes(iconv.encode('0242013137', 'cp866'))).toBe(true);
    expect(jobs[2]!.includes(iconv.encode('Пароль', 'cp866'))).toBe(true);
  });

  it('with the mouse: a demo card button taps, a tile adds, Enter still pays (free breakfast by benefit)', async () => {
    const { page } = till;
    await page.keyboard.press('Escape');
    await page.getByTestId('demo-card-MF:BCD14264').click();
    await poll(() => page.getByTestId('pupil-name').textContent()).toBe('Петрова Анна Сергеевна');
    // 152-ФЗ: the cashier sees what the benefit gives, never the social category.
    expect(await page.getByTestId('pupil-panel').textContent()).not.toContain('1-4 классы');
    await page.getByTestId('item-set-breakfast-1-4').click();
    await poll(() => page.getByTestId('cart-total').textContent()).toBe(rub('0,00'));
    await page.keyboard.press('Enter');
    await poll(() => page.getByTestId('notice').textContent()).toMatch(/Оплачено/);
    expect(await page.getByTestId('pupil-balance').textContent()).toBe(rub('150,00'));
    await screenshot(page, 'free-breakfast.png');
  });

  it('printer out of paper: the status bar says what to do, selling goes on, the receipt prints when paper is back; Ctrl+P prints a copy', async () => {
    const { page, shell } = till;
    const printer = shell.runtime.printer as unknown as { setFaults(f: { paperOut: boolean }): void };
    const before = printedBytes(till.dataDir).length;
    printer.setFaults({ paperOut: true });
    await poll(() => page.getByTestId('printer-status').textContent(), { timeout: 10_000 }).toContain('нет бумаги');
    expect(await page.getByTestId('printer-status').textContent()).toMatch(/рулон/i);

    shell.runtime.simulatedReader!.tap(DEMO_CARDS.subsidised);
    await poll(() => page.getByTestId('pupil-name').textContent()).toBe('Волков Дмитрий Олегович');
    await page.keyboard.press('6');
    await poll(() => page.getByTestId('cart-line').count()).toBe(1);
    await page.keyboard.press('Enter');
    await poll(() => page.getByTestId('notice').textContent()).toMatch(/Оплачено/);
    await poll(() => page.getByTestId('printer-status').textContent(), { timeout: 10_000 }).toMatch(/[Вв] очереди (чеков: )?1/);
    await screenshot(page, 'printer-paper-out.png');
    expect(printedBytes(till.dataDir).length).toBe(before);

    printer.setFaults({ paperOut: false });
    await poll(() => printedBytes(till.dataDir).length, { timeout: 15_000 }).toBe(before + 1);
    await poll(() => page.getByTestId('printer-status').textContent(), { timeout: 10_000 }).toBe('Принтер: готов (файл)');

    await page.keyboard.press('Control+p');
    await poll(() => page.getByTestId('notice').textContent()).toMatch(/Копия чека №24-0+4 отправлена на печать/);
    await shell.runtime.printIdle();
    const copy = printedBytes(till.dataDir).at(-1)!;
    expect(copy.includes(iconv.encode('КОПИЯ', 'cp866'))).toBe(true);
    expect(copy.includes(iconv.encode('Сок в ассортименте', 'cp866'))).toBe(true);
  });
});
