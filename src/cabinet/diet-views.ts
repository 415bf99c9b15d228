import { ALLERGENS } from '../core/allergens.js';
import { html, type Html } from './html.js';
import { accountQuery, layout } from './views.js';
import type { AccountView } from '../server/cabinet/account.js';
import type { DietView } from '../server/cabinet/diet.js';

/**
 * "Аллергии и запреты": the pupil's allergies and the parent's bans (dishes, whole categories).
 * Plain forms, no script; the tills apply both after their next sync.
 */
export function dietPage(p: { csrf: string; account: AccountView; diet: DietView; message?: string; problems?: string[] }): Html {
  const d = p.diet;
  const allergies = new Set<string>(d.allergies);
  const items = new Set(d.barredItemIds);
  const cats = new Set(d.barredCategoryIds);
  const csrf = html`<input type="hidden" name="_csrf" value="${p.csrf}">`;
  return layout({ title: 'Аллергии и запреты', account: p.account, csrf: p.csrf, active: 'diet' }, html`
<section class="card">
  <h1>Аллергии и запреты</h1>
  ${p.message ? html`<div class="notice" role="status">${p.message}</div>` : ''}
  ${p.problems?.length ? html`<div class="error" role="alert">${p.problems.map((e) => html`<p>${e}</p>`)}</div>` : ''}
  <h2 id="allergies-title">Аллергии</h2>
  <p class="muted">Кассир видит аллергии при каждом прикладывании карты; блюда с этими аллергенами отмечены и продаются только после подтверждения кассира (или не продаются — как решила школа).</p>
  <form method="post" action="/cabinet/diet/allergies${accountQuery(p.account)}" aria-labelledby="allergies-title">
    ${csrf}
    <fieldset class="checks"><legend>Аллергены (ТР ТС 022/2011)</legend>
    ${ALLERGENS.map((a) => html`<label class="check"><input type="checkbox" name="allergen" value="${a.id}"${allergies.has(a.id) ? html` checked` : ''}> ${a.label}</label>`)}
    </fieldset>
    <button type="submit">Сохранить аллергии</button>
  </form>
  <h2 id="bans-title">Запреты</h2>
  <p class="muted">Запрещённые блюда и категории касса не продаст ребёнку. Дневной лимит трат — на странице <a href="/cabinet/controls${accountQuery(p.account)}">«Карта и лимиты»</a>.</p>
  <form method="post" action="/cabinet/diet/bans${accountQuery(p.account)}" aria-labelledby="bans-title">
    ${csrf}
    ${d.categories.map((c) => html`
    <fieldset class="checks"><legend>${c.name}</legend>
      <label class="check"><input type="checkbox" name="category" value="${c.id}"${cats.has(c.id) ? html` checked` : ''}> <strong>Вся категория «${c.name}»</strong></label>
      ${c.items.map((i) => html`<label class="check"><input type="checkbox" name="item" value="${i.id}"${items.has(i.id) ? html` checked` : ''}> ${i.name}</label>`)}
    </fieldset>`)}
    <button type="submit">Сохранить запреты</button>
  </form>
</section>`);
}
