import { html, type Html } from './html.js';
import { accountQuery, layout, rub } from './views.js';
import type { AccountView } from '../server/cabinet/account.js';
import type { OrderDay, OrderPlan, SittingChoice } from '../core/orders.js';
import { formatDateTime } from '../core/datetime.js';

/**
 * «Заказ питания»: the pupil's school days for two weeks, one form per day with a choice per
 * sitting (a meal set, «не питается», or no order). Plain forms, no script (the cabinet's CSP).
 */
export function ordersPage(p: { csrf: string; account: AccountView; plan: OrderPlan; message?: string; problems?: string[]; shortBy?: number | null }): Html {
  const { plan } = p;
  const aq = accountQuery(p.account, '&');
  return layout({ title: 'Заказ питания', account: p.account, csrf: p.csrf, active: 'orders' }, html`
<section class="card">
  <h1>Заказ питания</h1>
  ${p.message ? html`<div class="notice" role="status">${p.message}</div>` : ''}
  ${p.problems?.length ? html`<div class="error" role="alert">${p.problems.map((e) => html`<p>${e}</p>`)}</div>` : ''}
  ${p.shortBy ? lowBalanceBanner(p.shortBy, p.account) : ''}
  <p class="balance">Остаток <strong>${rub(plan.balance)}</strong> · зарезервировано под заказы <strong id="reserved">${rub(plan.reserved)}</strong>
    · доступно <strong id="available">${rub(plan.available)}</strong></p>
  <p class="muted">Заказ на день можно изменить или отменить до ${plan.cutoffText}. Сумма заказа резервируется на счёте и списывается, когда заказ фиксируется; отменённый заказ снимает резерв. Льготное питание и бесплатное питание 1–4 классов назначаются школой — от них можно только отказаться.</p>
  ${plan.days.length === 0 ? html`<p class="muted">Нет учебных дней, на которые можно заказать питание.</p>` : ''}
  ${plan.days.map((d) => dayForm(p.csrf, d, aq, p.account.timeZone))}
</section>`);
}

/** The banner of a parent whose balance will not cover the next order (home page and this page). */
export function lowBalanceBanner(shortBy: number, account: AccountView): Html {
  return html`<div class="error" role="alert" id="order-shortfall"><p>На счёте не хватает ${rub(shortBy)} для оплаты заказанного питания.
    <a href="/cabinet/topup${accountQuery(account)}">Пополнить счёт</a></p></div>`;
}

function dayForm(csrf: string, d: OrderDay, aq: string, timeZone: string): Html {
  const id = `day-${d.day}`;
  if (d.closed) return html`<div class="order-day closed" id="${id}"><h2>${d.label}</h2><p class="muted">Питание не заказывается: ${d.closed}.</p></div>`;
  if (!d.sittings.length) return html`<div class="order-day" id="${id}"><h2>${d.label}</h2><p class="muted">Класс не питается по заявке.</p></div>`;
  if (!d.editable) {
    return html`<div class="order-day fixed" id="${id}"><h2>${d.label} <span class="muted">· заказ закрыт</span></h2>
      <ul>${d.sittings.map((s) => html`<li>${s.sittingName}: ${chosenText(s)}</li>`)}</ul></div>`;
  }
  return html`<form method="post" action="/cabinet/orders?day=${d.day}${aq}" class="order-day" id="${id}" aria-labelledby="${id}-title">
    <input type="hidden" name="_csrf" value="${csrf}">
    <input type="hidden" name="day" value="${d.day}">
    <h2 id="${id}-title">${d.label}</h2>
    <p class="muted small">Изменить можно до ${formatDateTime(d.cutoff, timeZone)}</p>
    ${d.sittings.map((s) => sittingField(d.day, s))}
    <button type="submit">Сохранить заказ на ${d.label.toLowerCase()}</button>
  </form>`;
}

function chosenText(s: SittingChoice): string {
  if (s.chosen === null) return 'не питается';
  if (s.entitled && s.chosen === undefined) return `${s.entitled.mealSet.name} (${s.entitled.basis === 'primary' ? 'бесплатно, 1–4 класс' : 'по льготе'})`;
  if (s.chosen === undefined) return 'не заказано';
  const o = s.entitled?.mealSet.id === s.chosen ? s.entitled.mealSet : s.options.find((x) => x.id === s.chosen);
  return o ? `${o.name}, ${rub(s.amount)}` : 'заказано';
}

function sittingField(day: string, s: SittingChoice): Html {
  const name = `s_${s.sittingId}`;
  const radio = (value: string, checked: boolean, label: Html | string) =>
    html`<label class="check"><input type="radio" name="${name}" value="${value}"${checked ? html` checked` : ''}> ${label}</label>`;
  if (s.entitled) {
    const e = s.entitled;
    const what = e.basis === 'primary' ? 'бесплатно (1–4 класс)' : e.parentAmount > 0 ? `по льготе, родители платят ${rub(e.parentAmount)}` : 'по льготе, бесплатно';
    return html`<fieldset class="checks"><legend>${s.sittingName}, ${s.startsAt}</legend>
      ${radio('', s.chosen !== null, html`<strong>${e.mealSet.name}</strong> — ${what}`)}
      ${radio('none', s.chosen === null, 'Не питается')}
    </fieldset>`;
  }
  return html`<fieldset class="checks"><legend>${s.sittingName}, ${s.startsAt}</legend>
    ${s.options.map((o) => radio(o.id, s.chosen === o.id, html`${o.name} — ${rub(o.price)}`))}
    ${radio('none', s.chosen === null, 'Не питается')}
    ${radio('', s.chosen === undefined, 'Не заказывать')}
  </fieldset>`;
}
