/**
 * Tagged-template HTML with escaping by default: every interpolated value is
 * escaped unless it is itself Html (made by this tag). Dish names, e-mails
 * and anything else from the database can never become markup.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string { return this.value; }
}

const NEEDS_ESCAPE = /[&<>"'`]/;

/*
 * One pass, no callback per match: a statement escapes thousands of dish
 * names, and almost none of them holds a special character, so the common
 * case returns the very string it was given without allocating.
 */
export function escapeHtml(text: string): string {
  const first = text.search(NEEDS_ESCAPE);
  if (first < 0) return text;
  let out = text.slice(0, first);
  let last = first;
  for (let i = first; i < text.length; i++) {
    let rep: string;
    switch (text.charCodeAt(i)) {
      case 38: rep = '&amp;'; break;   // &
      case 60: rep = '&lt;'; break;    // <
      case 62: rep = '&gt;'; break;    // >
      case 34: rep = '&quot;'; break;  // "
      case 39: rep = '&#39;'; break;   // '
      case 96: rep = '&#96;'; break;   // `
      default: continue;
    }
    if (last < i) out += text.slice(last, i);
    out += rep;
    last = i + 1;
  }
  return last < text.length ? out + text.slice(last) : out;
}

type Value = Html | string | number | boolean | null | undefined | Value[];

function render(v: Value): string {
  if (v === null || v === undefined || v === false || v === true) return '';
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) {
    let out = '';
    for (const x of v) out += render(x);
    return out;
  }
  return escapeHtml(typeof v === 'string' ? v : String(v));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + (strings[i + 1] ?? '');
  return new Html(out);
}

/** Only for constant markup written in this codebase, or markup built here with every value passed through escapeHtml. */
export const trusted = (markup: string): Html => new Html(markup);
