import { formatAmount } from '../core/money.js';
import { escapeHtml, html, trusted, type Html } from './html.js';
import type { AccountView } from '../server/cabinet/account.js';
import type { Statement, StatementLine } from '../server/cabinet/statement.js';
import { QUICK_RANGES, ruDay } from '../core/period.js';
import { accountField, accountQuery, childQuery, csrfField, errors, layout, notice, rub } from './views.js';

/** The cabinet's money pages: the statement, top-ups (card, auto top-up) and the built-in test bank's page. */

export interface StatementQuery { from: string; to: string; range?: string; details: boolean }

export function statementForm(q: StatementQuery, error?: string, account?: AccountView): Html {
  const aq = accountQuery(account, '&');
  return html`
<form method="get" action="/cabinet/statement" class="period noprint">
  ${account ? accountField(account) : ''}
  ${errors(error ? [error] : [])}
  <div class="row">
    <label>С <input type="date" name="from" value="${q.from}" required></label>
    <label>по <input type="date" name="to" value="${q.to}" required></label>
    <label class="check"><input type="checkbox" name="details" value="1" ${q.details ? 'checked' : ''}> Включить детализацию чеков</label>
    <button type="submit">Получить отчёт</button>
  </div>
  <p class="quick">За последние: ${QUICK_RANGES.map((r, i) => html`${i ? ', ' : ''}<a href="/cabinet/statement?range=${r.id}${q.details ? '&details=1' : ''}${aq}" class="${q.range === r.id ? 'on' : ''}">${r.label}</a>`)}</p>
  <p class="muted">С детализацией в отчёте будут показаны блюда каждого чека.</p>
</form>`;
}

/*
 * The rows of a statement, by plain string concatenation: a year with dish
 * lines is ~500 receipts and ~2,500 dish lines, and a tagged template (plus an
 * Html object and an array join) per cell made rendering the slowest part of
 * the page. Every value from the database still goes through escapeHtml; the
 * amounts are our own formatAmount output (digits, a comma, no-break spaces).
 * The markup is byte for byte what the former nested templates produced.
 */
function statementRows(lines: readonly StatementLine[]): Html {
  // Dish prices repeat all year: format each amount once per page.
  const amounts = new Map<number, string>();
  const money = (k: number): string => {
    let text = amounts.get(k);
    if (text === undefined) amounts.set(k, text = rub(k));
    return text;
  };
  let out = '';
  for (const l of lines) {
    out += '\n        <tr class="entry entry-' + escapeHtml(l.kind) + '">\n          <td class="date">' + escapeHtml(l.when)
      + '</td>\n          <td>' + escapeHtml(l.title);
    if (l.items.length) {
      out += ':\n            <table class="items">';
      for (const it of l.items) {
        out += '<tr><td>' + escapeHtml(it.name) + (it.quantity > 1 ? ' × ' + escapeHtml(String(it.quantity)) : '')
          + '</td><td class="num">' + money(it.amount) + '</td></tr>';
      }
      out += '</table>';
    }
    out += '</td>\n          <td class="num">' + (l.debit ? money(l.debit) : '') + '</td>\n          <td class="num credit">'
      + (l.credit ? money(l.credit) : '') + '</td>\n          <td class="num balance">' + money(l.balance) + '</td>\n        </tr>';
  }
  return trusted(out);
}

export function statementPage(p: { csrf: string; account: AccountView; query: StatementQuery; statement?: Statement; error?: string }): Html {
  const s = p.statement;
  const qs = s ? `from=${s.period.from}&to=${s.period.to}${s.details ? '&details=1' : ''}${accountQuery(p.account, '&')}` : '';
  return layout({ title: 'Отчёт по лицевому счёту', account: p.account, csrf: p.csrf, active: 'statement' }, html`
<section class="card">
  <h1 class="noprint">Отчёт по лицевому счёту</h1>
  ${statementForm(p.query, p.error, p.account)}
  ${s ? html`
  <div class="report" id="report">
    <h2>Отчёт по лицевому счёту за период с ${ruDay(s.period.from)} по ${ruDay(s.period.to)}</h2>
    <p>${s.account.pupilName}, ${s.account.schoolName}${s.account.className ? html`, ${s.account.className}` : ''}</p>
    <dl class="grid">
      <dt>Лицевой счёт:</dt><dd>${s.account.accountNumber}</dd>
      <dt>Остаток на начало:</dt><dd id="opening">${rub(s.opening)}</dd>
      <dt>Остаток на конец:</dt><dd id="closing">${rub(s.closing)}</dd>
    </dl>
    <p class="actions noprint"><a class="button small" href="/cabinet/statement.pdf?${qs}">Скачать PDF</a>
      <span class="muted">Для печати воспользуйтесь печатью браузера (Ctrl+P).</span></p>
    <table class="statement">
      <thead><tr><th>Дата</th><th>Наименование</th><th class="num">Списано</th><th class="num">Зачислено</th><th class="num">Остаток</th></tr></thead>
      <tbody>
      <tr class="opening"><td></td><td>Остаток на начало периода</td><td></td><td></td><td class="num">${rub(s.opening)}</td></tr>
      ${s.lines.length === 0 ? html`<tr><td colspan="5" class="muted">За период операций нет</td></tr>` : ''}
      ${statementRows(s.lines)}
      </tbody>
      <tfoot><tr><th colspan="2">Итого за период</th><th class="num" id="total-debit">${rub(s.totalDebit)}</th><th class="num" id="total-credit">${rub(s.totalCredit)}</th><th class="num">${rub(s.closing)}</th></tr></tfoot>
    </table>
  </div>` : ''}
</section>`);
}

export interface PaymentRow { id: string; amount: number; status: string; source: string; createdAt: string }

const STATUS: Record<string, string> = { pending: 'ожидает оплаты', paid: 'зачислен', failed: 'не прошёл' };

/** Preset top-up amounts (kopecks), one button each; any other amount goes in the free field. */
export const TOP_UP_PRESETS = [30_000, 50_000, 100_000];

export function topUpPage(p: { csrf: string; account: AccountView; error?: string; amount?: string; gatewayTitle: string; payments: PaymentRow[]; when: (iso: string) => string }): Html {
  const a = p.account;
  const children = a.family.length > 1;
  return layout({ title: 'Пополнение', account: a, csrf: p.csrf, active: 'topup' }, html`
<section class="card narrow">
  <h1>Пополнение лицевого счёта</h1>
  ${children ? html`<p>Чей счёт пополнить:</p>
  <ul class="choose-child">${a.family.map((m) => html`<li><a href="/cabinet/topup${childQuery(a, m)}" class="${m.accountNumber === a.accountNumber ? 'on' : ''}">${m.pupilName || m.accountNumber}</a>
    <span class="muted">Л/С ${m.accountNumber}, остаток ${rub(m.balance)}</span></li>`)}</ul>` : ''}
  <p>Пополняется счёт <strong id="topup-account">${a.accountNumber}</strong> (${a.pupilName}).
  Оплата банковской картой: после выбора суммы вы перейдёте на страницу банка (${p.gatewayTitle}),
  где введёте данные карты. Деньги поступят на счёт, как только банк подтвердит платёж, и кассы увидят новый остаток при следующей синхронизации.</p>
  <p class="fee" id="fee"><strong>Без комиссии</strong>: на счёт поступает вся сумма платежа.</p>
  ${errors(p.error ? [p.error] : [])}
  <form method="post" action="/cabinet/topup" class="presets">
    ${csrfField(p.csrf)}${accountField(a)}
    <p>${TOP_UP_PRESETS.map((k) => html`<button type="submit" name="amount" value="${formatAmount(k)}">${formatAmount(k, { group: true }).replace(/,00$/, '')} ₽</button> `)}</p>
  </form>
  <form method="post" action="/cabinet/topup">
    ${csrfField(p.csrf)}${accountField(a)}
    <label>Другая сумма, руб.<input name="amount" inputmode="decimal" maxlength="12" required value="${p.amount ?? ''}" placeholder="500,00"></label>
    <button type="submit">Перейти к оплате</button>
  </form>
  <p class="muted">От 1,00 до 15 000,00 руб. за один платёж.</p>
  <p><a href="/cabinet/autopay">Автопополнение с сохранённой карты</a></p>
  ${p.payments.length ? html`<h2>Последние платежи</h2>
  <table class="statement"><thead><tr><th>Дата</th><th class="num">Сумма</th><th>Состояние</th></tr></thead><tbody>
  ${p.payments.map((x) => html`<tr><td>${p.when(x.createdAt)}</td><td class="num">${rub(x.amount)}</td><td>${STATUS[x.status] ?? x.status}</td></tr>`)}
  </tbody></table>` : ''}
</section>`);
}

export function topUpReturnPage(p: { csrf: string; account: AccountView; payment: PaymentRow | null }): Html {
  const x = p.payment;
  const text = !x ? 'Платёж не найден.'
    : x.status === 'paid' ? `Платёж на ${rub(x.amount)} зачислен. Спасибо!`
    : x.status === 'failed' ? 'Платёж не прошёл. Деньги не списаны, попробуйте ещё раз.'
    : 'Ждём подтверждения от банка. Обновите страницу через минуту.';
  const aq = accountQuery(p.account, '&');
  return layout({ title: 'Результат оплаты', account: p.account, csrf: p.csrf, active: 'topup' }, html`
<section class="card narrow">
  <h1>Результат оплаты</h1>
  <p id="payment-status" class="${x?.status ?? 'missing'}">${text}</p>
  <p><a href="/cabinet/statement?range=2d&amp;details=1${aq}">Посмотреть отчёт</a> · <a href="/cabinet/topup${accountQuery(p.account)}">Пополнить ещё</a></p>
</section>`);
}

/** No card gateway configured on this server: say so, and how else the account is topped up. */
export const TOP_UP_UNAVAILABLE = 'Оплата картой не настроена — пополните счёт через Сбербанк Онлайн или в школе';

export function topUpUnavailablePage(p: { csrf: string; account: AccountView }): Html {
  return layout({ title: 'Пополнение', account: p.account, csrf: p.csrf, active: 'topup' }, html`
<section class="card narrow">
  <h1>Пополнение лицевого счёта</h1>
  <p id="topup-unavailable">${TOP_UP_UNAVAILABLE}.</p>
  <p class="muted">В Сбербанк Онлайн: «Платежи» → поиск по названию школы или «Школьное питание», номер лицевого счёта — ${p.account.accountNumber}.</p>
</section>`);
}

export interface AutoTopUpView {
  cards: { bindingId: string; cardMask: string | null }[];
  settings: { amount: number; threshold: number; bindingId: string; enabled: boolean; stoppedReason: string | null; lastAttemptDay: string | null } | null;
}

/** Auto top-up: a saved card, an amount and a threshold; its state, and why it stopped after a refusal. */
export function autoTopUpPage(p: { csrf: string; account: AccountView; view: AutoTopUpView; message?: string; error?: string; amount?: string; threshold?: string }): Html {
  const s = p.view.settings;
  const state = !s || !s.enabled ? 'выключено' : s.stoppedReason ? `остановлено: ${s.stoppedReason}` : 'включено';
  return layout({ title: 'Автопополнение', account: p.account, csrf: p.csrf, active: 'topup' }, html`
<section class="card narrow">
  <h1>Автопополнение</h1>
  ${notice(p.message)}
  ${errors(p.error ? [p.error] : [])}
  ${p.view.cards.length === 0 ? html`<p id="autopay-no-card">Сохранённой карты нет. Пополните счёт картой и на странице банка отметьте «Сохранить карту» — после этого здесь можно включить автопополнение.</p>` : html`
  <p>Когда остаток станет меньше порога, счёт пополнится с сохранённой карты на указанную сумму — не чаще раза в день. О каждом списании придёт письмо${p.account.email ? '' : ' (укажите эл. почту в профиле)'}.</p>
  <p id="autopay-state">Сейчас: ${state}</p>
  <form method="post" action="/cabinet/autopay">
    ${csrfField(p.csrf)}
    <label>Карта<select name="card">${p.view.cards.map((c) => html`<option value="${c.bindingId}"${s?.bindingId === c.bindingId ? trusted(' selected') : ''}>${c.cardMask ?? 'карта'}</option>`)}</select></label>
    <label>Пополнять на, руб.<input name="amount" inputmode="decimal" maxlength="12" required value="${p.amount ?? (s ? formatAmount(s.amount) : '')}"></label>
    <label>Когда остаток меньше, руб.<input name="threshold" inputmode="decimal" maxlength="12" required value="${p.threshold ?? (s ? formatAmount(s.threshold) : '')}"></label>
    <button type="submit" name="action" value="save">Сохранить и включить</button>
    ${s?.enabled ? html`<button type="submit" name="action" value="off" class="link">Выключить</button>` : ''}
  </form>`}
</section>`);
}

export function testGatewayPage(p: { externalId: string; amount: number; description: string; token: string; state: string }): Html {
  return html`<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Оплата картой — тестовый банк</title><link rel="stylesheet" href="/cabinet/assets/cabinet.css"><link rel="icon" href="data:,"></head>
<body class="bank">
<main>
<section class="card narrow">
  <h1>Тестовый банк: оплата картой</h1>
  <p class="muted">Это учебная страница встроенного тестового шлюза: деньги не списываются. Подойдёт любой номер карты.</p>
  <p>${p.description}</p>
  <p class="amount">К оплате: <strong>${rub(p.amount)}</strong></p>
  ${p.state !== 'open' ? html`<div class="notice">Этот платёж уже обработан.</div>` : ''}
  <form method="post" action="/test-gateway/pay/${p.externalId}">
    <input type="hidden" name="token" value="${p.token}">
    <label>Номер карты<input name="pan" inputmode="numeric" autocomplete="cc-number" maxlength="23" value="4111 1111 1111 1111"></label>
    <div class="row"><label>Действительна до<input name="exp" maxlength="5" value="12/30" autocomplete="cc-exp"></label>
    <label>CVC2/CVV2<input name="cvc" maxlength="4" value="123" autocomplete="cc-csc"></label></div>
    <button type="submit" name="action" value="pay">Оплатить</button>
    <button type="submit" name="action" value="cancel" class="link">Отменить</button>
  </form>
</section>
</main></body></html>`;
}
