import { formatAmount } from '../core/money.js';
import { html, type Html } from './html.js';
import type { AccountView, FamilyMember } from '../server/cabinet/account.js';
import type { StatementLine } from '../server/cabinet/statement.js';
import { ruDay } from '../core/period.js';
import { PASSWORD_RULES } from '../server/cabinet/passwords.js';

/**
 * The parent cabinet's pages, rendered on the server: no script at all, so
 * the Content-Security-Policy can forbid every script. Forms carry a CSRF
 * token field named `_csrf`.
 */
export const rub = (k: number): string => `${formatAmount(k, { group: true })} руб.`;

export interface PageChrome {
  title: string;
  account?: AccountView | null;
  csrf?: string;                // for the logout form in the header
  active?: 'home' | 'profile' | 'statement' | 'topup' | 'controls' | 'diet' | 'orders';
}

export const csrfField = (token: string) => html`<input type="hidden" name="_csrf" value="${token}">`;

/*
 * A family's parent opens each child's pages with `account=<number>` in the
 * URL (the server checks it against the family). The login account's own
 * pages carry nothing, so their URLs stay as they always were.
 */
const viewsChild = (a: AccountView | null | undefined): boolean => !!a && a.accountNumber !== a.loginAccount;
/** "?account=…" / "&account=…" for links to the account being viewed, or nothing for the login account. */
export const accountQuery = (a: AccountView | null | undefined, sep: '?' | '&' = '?'): string =>
  a && viewsChild(a) ? `${sep}account=${a.accountNumber}` : '';
export const accountField = (a: AccountView) => viewsChild(a) ? html`<input type="hidden" name="account" value="${a.accountNumber}">` : '';
export const childQuery = (a: AccountView, m: FamilyMember) => m.accountNumber === a.loginAccount ? '' : `?account=${m.accountNumber}`;

const PAGE_PATH: Record<NonNullable<PageChrome['active']>, string> = {
  home: '/cabinet/', profile: '/cabinet/profile', statement: '/cabinet/statement', topup: '/cabinet/topup', controls: '/cabinet/controls',
  diet: '/cabinet/diet', orders: '/cabinet/orders',
};

/** Tabs for each child of the family on the page being shown; nothing for a lone account. */
function familyTabs(a: AccountView, active: PageChrome['active']): Html | '' {
  if (a.family.length < 2 || !active || active === 'home') return '';
  return html`<nav class="family" aria-label="Дети">${a.family.map((m) => html`
    <a href="${PAGE_PATH[active]}${childQuery(a, m)}" class="${m.accountNumber === a.accountNumber ? 'on' : ''}">${m.pupilName || m.accountNumber}${m.className ? html` <span class="muted">${m.className}</span>` : ''}
      <span class="child-balance">${rub(m.balance)}</span></a>`)}
  </nav>`;
}

export function layout(chrome: PageChrome, body: Html): Html {
  const a = chrome.account;
  const aq = accountQuery(a);
  const nav = a && chrome.csrf ? html`
    <nav class="nav" aria-label="Разделы">
      <a href="/cabinet/" class="${chrome.active === 'home' ? 'on' : ''}">Питание</a>
      <a href="/cabinet/orders${aq}" class="${chrome.active === 'orders' ? 'on' : ''}">Заказ питания</a>
      <a href="/cabinet/profile${aq}" class="${chrome.active === 'profile' ? 'on' : ''}">Профиль</a>
      <a href="/cabinet/statement${aq}" class="${chrome.active === 'statement' ? 'on' : ''}">Отчёт</a>
      <a href="/cabinet/topup${aq}" class="${chrome.active === 'topup' ? 'on' : ''}">Пополнить</a>
      <a href="/cabinet/controls${aq}" class="${chrome.active === 'controls' ? 'on' : ''}">Карта и лимиты</a>
      <a href="/cabinet/diet${aq}" class="${chrome.active === 'diet' ? 'on' : ''}">Аллергии и запреты</a>
      <form method="post" action="/cabinet/logout" class="inline">${csrfField(chrome.csrf)}<button type="submit" class="link">Выйти</button></form>
    </nav>` : '';
  const head = a && chrome.active === 'home' ? '' : a ? html`
    ${chrome.csrf ? familyTabs(a, chrome.active) : ''}
    <div class="who">
      <div><span class="muted">Л/С</span> <strong id="account-number">${a.accountNumber}</strong></div>
      <div class="pupil">${a.pupilName}${a.schoolName ? html`, ${a.schoolName}` : ''}${a.className ? html`, ${a.className}` : ''}</div>
      <div class="balance">Текущий остаток: <strong id="balance">${rub(a.balance)}</strong>
        ${chrome.csrf ? html`<a class="button small" href="/cabinet/topup${aq}">Пополнить</a>` : ''}</div>
    </div>` : '';
  return html`<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${chrome.title} — Личный кабинет учащегося</title>
<link rel="stylesheet" href="/cabinet/assets/cabinet.css">
<link rel="icon" href="data:,">
</head>
<body>
<header class="top">
  <div class="brand"><a href="/cabinet/">Личный кабинет учащегося</a></div>
  ${nav}
</header>
${head}
<main>
${body}
</main>
<footer class="foot">Школьное питание · безналичная оплата</footer>
</body>
</html>`;
}

export const errors = (list: string[] | undefined) => list && list.length
  ? html`<div class="error" role="alert">${list.map((e) => html`<p>${e}</p>`)}</div>` : '';
export const notice = (text: string | undefined) => text ? html`<div class="notice" role="status">${text}</div>` : '';

export function loginPage(p: { csrf: string; error?: string; accountNumber?: string; message?: string }): Html {
  return layout({ title: 'Вход' }, html`
<section class="card narrow">
  <h1>Вход в личный кабинет</h1>
  ${notice(p.message)}
  ${errors(p.error ? [p.error] : [])}
  <form method="post" action="/cabinet/login" autocomplete="on">
    ${csrfField(p.csrf)}
    <label>Номер лицевого счёта
      <input name="account" inputmode="numeric" autocomplete="username" maxlength="14" required value="${p.accountNumber ?? ''}" placeholder="0242013137">
    </label>
    <label>Пароль
      <input name="password" type="password" autocomplete="current-password" maxlength="256" required>
    </label>
    <button type="submit">Войти</button>
  </form>
  <p class="muted">Логин и временный пароль печатаются в чеке на кассе школьной столовой.
  При первом входе временный пароль нужно сменить на постоянный.</p>
  <p><a href="/cabinet/forgot">Забыли пароль?</a></p>
</section>`);
}

export function setPasswordPage(p: { csrf: string; account: AccountView; forced: boolean; problems?: string[]; message?: string }): Html {
  return layout({ title: 'Установка пароля', account: p.account, csrf: p.forced ? undefined : p.csrf }, html`
<section class="card narrow">
  <h1>${p.forced ? 'Установка постоянного пароля' : 'Смена пароля'}</h1>
  ${p.forced ? html`<p>Для использования личного кабинета необходимо изменить временный пароль на постоянный.</p>` : ''}
  ${notice(p.message)}
  ${errors(p.problems)}
  <form method="post" action="/cabinet/password">
    ${csrfField(p.csrf)}
    <input type="text" name="username" value="${p.account.accountNumber}" autocomplete="username" hidden>
    ${p.forced ? '' : html`<label>Текущий пароль<input name="current" type="password" autocomplete="current-password" maxlength="256" required></label>`}
    <label>Новый пароль<input name="password" type="password" autocomplete="new-password" maxlength="128" required></label>
    <label>Подтвердите новый пароль<input name="confirm" type="password" autocomplete="new-password" maxlength="128" required></label>
    <div class="rules"><p>Пароль должен быть:</p><ul>${PASSWORD_RULES.map((r) => html`<li>${r}</li>`)}</ul></div>
    <button type="submit">${p.forced ? 'Установить постоянный пароль' : 'Сменить пароль'}</button>
  </form>
  ${p.forced ? html`<form method="post" action="/cabinet/logout">${csrfField(p.csrf)}<button type="submit" class="link">Выйти</button></form>` : ''}
</section>`);
}

export function profilePage(p: { csrf: string; account: AccountView; message?: string; problems?: string[]; editEmail?: boolean; linkAccount?: string }): Html {
  const a = p.account;
  const own = !viewsChild(a);
  return layout({ title: 'Профиль', account: a, csrf: p.csrf, active: 'profile' }, html`
<section class="card">
  <h1>Профиль учащегося</h1>
  ${notice(p.message)}
  ${errors(p.problems)}
  <h2>Лицевой счёт</h2>
  <dl class="grid">
    <dt>Номер</dt><dd>${a.accountNumber}</dd>
    <dt>Баланс</dt><dd>${rub(a.balance)}</dd>
    <dt>Дневной лимит</dt><dd>${a.dailyLimit === null ? 'не установлен' : rub(a.dailyLimit)}</dd>
  </dl>
  <h2>Владелец</h2>
  <dl class="grid">
    <dt>Имя</dt><dd id="pupil-name">${a.pupilName}</dd>
    <dt>Обр. учреждение</dt><dd>${a.schoolName}</dd>
    <dt>Класс</dt><dd>${a.className}</dd>
    ${own ? html`<dt>Эл. почта</dt><dd id="email">${a.email ?? html`<span class="muted">не указана</span>`}</dd>` : ''}
  </dl>
  ${own ? html`
  <details ${p.editEmail ? 'open' : ''}>
    <summary>${a.email ? 'Изменить эл. почту…' : 'Указать эл. почту…'}</summary>
    <p class="muted">Почта нужна, чтобы восстановить пароль и получать уведомления о низком остатке.</p>
    <form method="post" action="/cabinet/profile/email">
      ${csrfField(p.csrf)}
      <label>Эл. почта<input name="email" type="email" autocomplete="email" maxlength="254" value="${a.email ?? ''}"></label>
      <label>Текущий пароль<input name="current" type="password" autocomplete="current-password" maxlength="256" required></label>
      <button type="submit">Сохранить</button>
    </form>
  </details>
  <p><a href="/cabinet/password">Изменить пароль…</a></p>
  ${familySection(p.csrf, a, p.linkAccount)}` : html`
  <p class="muted">Счёт открыт из кабинета Л/С ${a.loginAccount}: пароль, эл. почта и список детей — в <a href="/cabinet/profile">его профиле</a>.</p>`}
</section>`);
}

/** The family on the login account's profile: linked children with "unlink", and the form to link one more. */
function familySection(csrf: string, a: AccountView, linkAccount?: string): Html {
  const children = a.family.filter((m) => m.accountNumber !== a.loginAccount);
  return html`
  <h2 id="family">Дети в одном кабинете</h2>
  <p class="muted">Если в школе учатся несколько ваших детей, добавьте их счета сюда: вы увидите всех после одного входа.
  Для этого нужен номер лицевого счёта ребёнка и его пароль (временный из чека или постоянный).</p>
  ${children.length ? html`<table class="statement family-list"><thead><tr><th>Л/С</th><th>Учащийся</th><th class="num">Остаток</th><th></th></tr></thead><tbody>
  ${children.map((m) => html`<tr><td><a href="/cabinet/profile?account=${m.accountNumber}">${m.accountNumber}</a></td><td>${m.pupilName}${m.className ? html`, ${m.className}` : ''}</td><td class="num">${rub(m.balance)}</td>
    <td><form method="post" action="/cabinet/family/unlink" class="inline">${csrfField(csrf)}<input type="hidden" name="child" value="${m.accountNumber}"><button type="submit" class="link">Убрать из кабинета</button></form></td></tr>`)}
  </tbody></table>` : ''}
  <form method="post" action="/cabinet/family/link" autocomplete="off">
    ${csrfField(csrf)}
    <div class="row">
      <label>Номер лицевого счёта ребёнка<input name="child" inputmode="numeric" maxlength="14" required value="${linkAccount ?? ''}"></label>
      <label>Пароль этого счёта<input name="password" type="password" autocomplete="off" maxlength="256" required></label>
      <button type="submit">Добавить ребёнка</button>
    </div>
  </form>`;
}

/** One child on the first page: its balance and its meals (sales and refunds with their dishes) of today and yesterday. */
export interface HomeChild {
  member: FamilyMember;
  /** Kopecks the balance lacks for today's and tomorrow's meal orders (src/server/orders/notify.ts), or null. */
  shortBy?: number | null;
  days: { label: string; day: string; lines: StatementLine[] }[];
}

const timeOf = (when: string) => when.slice(-5);

/** The first page after login: every child of the family, what each ate today and yesterday, and the balance. */
export function homePage(p: { csrf: string; account: AccountView; children: HomeChild[]; message?: string }): Html {
  const a = p.account;
  return layout({ title: 'Питание', account: a, csrf: p.csrf, active: 'home' }, html`
${notice(p.message)}
${p.children.map(({ member: m, days, shortBy }) => {
    const q = m.accountNumber === a.loginAccount ? '' : `?account=${m.accountNumber}`;
    const aq = q ? `&account=${m.accountNumber}` : '';
    return html`
<section class="card child" id="child-${m.accountNumber}">
  <h1>${m.pupilName || m.accountNumber}${m.className ? html` <span class="muted">${m.className}</span>` : ''}</h1>
  <p class="balance">Л/С ${m.accountNumber} · остаток <strong class="child-balance">${rub(m.balance)}</strong>
    · <a class="button small" href="/cabinet/topup${q}">Пополнить</a>
    · <a href="/cabinet/statement?range=30d&amp;details=1${aq}">Отчёт</a> · <a href="/cabinet/controls${q}">Карта и лимиты</a>
    · <a href="/cabinet/orders${q}">Заказ питания</a></p>
  ${shortBy ? html`<div class="error" role="alert"><p>На счёте не хватает ${rub(shortBy)} для оплаты заказанного питания. <a href="/cabinet/topup${q}">Пополнить счёт</a></p></div>` : ''}
  ${days.map((d) => html`
  <h2>${d.label}, ${ruDay(d.day)}</h2>
  ${d.lines.length === 0 ? html`<p class="muted">Покупок в столовой не было.</p>` : html`
  <table class="statement meals"><tbody>
  ${d.lines.map((l) => html`<tr class="entry entry-${l.kind}"><td class="date">${timeOf(l.when)}</td><td>${l.title}${l.items.length ? html`<ul class="dishes">${l.items.map((it) => html`<li>${it.name}${it.quantity > 1 ? ` × ${it.quantity}` : ''}</li>`)}</ul>` : ''}</td>
    <td class="num">${l.debit ? html`−${rub(l.debit)}` : html`+${rub(l.credit)}`}</td></tr>`)}
  </tbody></table>`}`)}
</section>`;
  })}`);
}

export interface CardRow { id: string; state: string; reason: string | null }
const CARD_STATE: Record<string, string> = { active: 'действует', blocked: 'заблокирована', lost: 'утеряна, заблокирована' };

export function controlsPage(p: { csrf: string; account: AccountView; cards: CardRow[]; message?: string; problems?: string[] }): Html {
  const a = p.account;
  return layout({ title: 'Карта и лимиты', account: a, csrf: p.csrf, active: 'controls' }, html`
<section class="card">
  <h1>Карта и лимиты</h1>
  ${notice(p.message)}
  ${errors(p.problems)}
  <h2>Карты учащегося</h2>
  ${p.cards.length === 0 ? html`<p class="muted">К счёту не привязано ни одной карты.</p>` : html`
  <table class="statement"><thead><tr><th>Карта</th><th>Состояние</th><th></th></tr></thead><tbody>
  ${p.cards.map((c) => html`<tr><td>${c.id}</td><td>${CARD_STATE[c.state] ?? c.state}</td><td>${c.state === 'active' ? html`
    <form method="post" action="/cabinet/controls/card-lost${accountQuery(a)}" class="inline">${csrfField(p.csrf)}<input type="hidden" name="card" value="${c.id}">
    <button type="submit" class="danger">Сообщить об утере</button></form>` : ''}</td></tr>`)}
  </tbody></table>
  <p class="muted">Утерянная карта блокируется сразу; кассы перестанут её принимать после ближайшей синхронизации. Деньги остаются на счёте, новую карту выдаст школа.</p>`}
  <h2>Дневной лимит трат</h2>
  <form method="post" action="/cabinet/controls/limit${accountQuery(a)}">
    ${csrfField(p.csrf)}
    <label>Не более, руб. в день (пусто — без лимита)<input name="limit" inputmode="decimal" maxlength="12" value="${a.dailyLimit === null ? '' : formatAmount(a.dailyLimit)}"></label>
    <button type="submit">Сохранить лимит</button>
  </form>
  <h2>Уведомление о низком остатке</h2>
  ${a.email ? '' : html`<p class="muted">Чтобы получать письма, укажите эл. почту в <a href="/cabinet/profile">профиле</a>.</p>`}
  <form method="post" action="/cabinet/controls/threshold${accountQuery(a)}">
    ${csrfField(p.csrf)}
    <label>Написать на почту, когда остаток меньше, руб. (пусто — не писать)<input name="threshold" inputmode="decimal" maxlength="12" value="${a.lowBalanceThreshold === null ? '' : formatAmount(a.lowBalanceThreshold)}"></label>
    <button type="submit">Сохранить порог</button>
  </form>
</section>`);
}

export function forgotPage(p: { csrf: string; sent?: boolean; error?: string }): Html {
  return layout({ title: 'Восстановление доступа' }, html`
<section class="card narrow">
  <h1>Восстановление доступа</h1>
  ${p.sent ? html`<div class="notice" role="status">Если номер счёта и почта совпадают с указанными в профиле, мы отправили письмо со ссылкой для смены пароля. Ссылка действует 1 час и только один раз.</div>` : ''}
  ${errors(p.error ? [p.error] : [])}
  <form method="post" action="/cabinet/forgot">
    ${csrfField(p.csrf)}
    <label>Номер лицевого счёта<input name="account" inputmode="numeric" maxlength="14" required></label>
    <label>Эл. почта, указанная в профиле<input name="email" type="email" maxlength="254" required></label>
    <button type="submit">Отправить ссылку</button>
  </form>
  <p class="muted">Если почта не была указана, попросите на кассе столовой напечатать новый временный пароль.</p>
  <p><a href="/cabinet/login">Вход</a></p>
</section>`);
}

export function resetPage(p: { csrf: string; token: string; valid: boolean; problems?: string[] }): Html {
  return layout({ title: 'Новый пароль' }, html`
<section class="card narrow">
  <h1>Новый пароль</h1>
  ${!p.valid ? html`<div class="error" role="alert"><p>Ссылка недействительна или устарела. Запросите новую.</p></div><p><a href="/cabinet/forgot">Восстановление доступа</a></p>` : html`
  ${errors(p.problems)}
  <form method="post" action="/cabinet/reset">
    ${csrfField(p.csrf)}
    <input type="hidden" name="token" value="${p.token}">
    <label>Новый пароль<input name="password" type="password" autocomplete="new-password" maxlength="128" required></label>
    <label>Подтвердите новый пароль<input name="confirm" type="password" autocomplete="new-password" maxlength="128" required></label>
    <div class="rules"><p>Пароль должен быть:</p><ul>${PASSWORD_RULES.slice(0, 3).map((r) => html`<li>${r}</li>`)}</ul></div>
    <button type="submit">Сохранить пароль</button>
  </form>`}
</section>`);
}

export function messagePage(title: string, text: string, account?: AccountView | null, csrf?: string): Html {
  return layout({ title, account, csrf }, html`<section class="card narrow"><h1>${title}</h1><p>${text}</p><p><a href="/cabinet/">На главную</a></p></section>`);
}
