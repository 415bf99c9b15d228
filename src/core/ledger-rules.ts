import type { Kopecks } from './money.js';
import { formatAmount } from './money.js';

/**
 * The ledger's per-kind invariants, pure (no I/O): what an entry a till made may say.
 * The server's push applies only entries that keep them (the others are stored unapplied and
 * flagged, so the till's queue moves on), `canteen server reconcile` checks the stored ledger
 * against them, and a till may check what it is about to send. The table is in docs/sync.md.
 *
 * Business reasons (a blocked card, an overdraft, a parent's limit) are not here: the food was
 * eaten, those sales apply and are flagged for review. These rules are about arithmetic and
 * references a genuine till cannot get wrong, so breaking one means a bug or a forgery.
 */

/** Kinds a till makes; top-ups and corrections are made only on the server. */
export const TERMINAL_ENTRY_KINDS = ['sale', 'refund', 'subsidy', 'cabinetPassword', 'cardBlock', 'zReport', 'orderServed'] as const;
/** Kinds that carry no money (orderServed: a fixed order line handed out; the fix already charged it). */
export const ZERO_AMOUNT_KINDS: ReadonlySet<string> = new Set(['cabinetPassword', 'cardBlock', 'zReport', 'orderServed']);

/** Default per-entry cap (a school's `max_entry_amount`): 5 000,00 ₽, far above a canteen receipt. */
export const DEFAULT_MAX_ENTRY_AMOUNT: Kopecks = 500_000;

export type RuleId =
  | 'terminalKind'      // a server-only kind (topUp, correction) from a till
  | 'amountCap'         // |amount| above the school's per-entry cap
  | 'notZero'           // cabinetPassword / cardBlock / zReport / orderServed with money
  | 'noAccount'         // sale, refund or cabinetPassword without a pupil's account
  | 'badPayload'        // a sale or refund whose receipt cannot be read
  | 'receiptMismatch'   // the entry's receiptId is not its receipt's
  | 'receiptLines'      // lines whose arithmetic does not add up, or negative prices/amounts
  | 'saleAmount'        // a sale that does not debit exactly its receipt's total
  | 'refundAmount'      // a refund that does not credit exactly its receipt's total, or more than the sale
  | 'refundOfUnknown'   // refundOf names no applied sale on the same account
  | 'refundTwice'       // the sale was already refunded
  | 'receiptTaken'      // the refund's receipt id is already another receipt's
  | 'subsidyAccount'    // a subsidy entry on a pupil's account (it belongs to the school's subsidy account)
  | 'subsidyUnmatched'; // a subsidy entry that does not follow its receipt's entry with the receipt's subsidy

export interface Violation { rule: RuleId; message: string; details?: Record<string, unknown> }

export interface RuleLine { quantity: number; unitPrice: Kopecks; amount: Kopecks; subsidy: Kopecks }

/** A sale's or refund's receipt as the entry's payload states it. */
export interface RuleReceipt {
  receiptId: string;
  total: Kopecks;
  subsidy: Kopecks;
  lines: readonly RuleLine[];
  refundOf?: string | null;
}

/** What the rules read of an entry. `receipt`: the parsed payload of a sale or refund (null: unreadable). */
export interface RuleEntry {
  kind: string;
  accountNumber: string | null;
  amount: Kopecks;
  receiptId?: string | null;
  receipt?: RuleReceipt | null;
  /** A subsidy entry's payload.receiptId (the receipt it belongs to), when it names one. */
  subsidyOf?: string | null;
}

/** A sale as the ledger holds it, for the refund that names it. */
export interface SaleFact { receiptId: string; accountNumber: string | null; total: Kopecks; subsidy: Kopecks; refunded: boolean }

/** The entry just before a subsidy entry on the same till (seq − 1), when that entry applied. */
export interface PreviousFact { kind: string; receiptId: string | null; subsidy: Kopecks }

export interface RuleSettings { maxEntryAmount: Kopecks }

export interface RuleContext extends RuleSettings {
  /** For a refund: the sale its refundOf names (null or absent: no applied sale with that receipt id). */
  sale?: SaleFact | null;
  /** For a refund: its receipt id is already taken by another receipt on the server. */
  receiptTaken?: boolean;
  /** For a subsidy: the till's previous entry, if it applied (null: it did not, or there is none). */
  previous?: PreviousFact | null;
}

const money = (k: number) => `${formatAmount(k)} ₽`;
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** Lines add up: each line's amount + subsidy = unit price × quantity, nothing negative; the totals are the sums. */
function linesViolation(r: RuleReceipt): Violation | null {
  let amount = 0;
  let subsidy = 0;
  for (let i = 0; i < r.lines.length; i++) {
    const l = r.lines[i]!;
    if (!isInt(l.quantity) || !isInt(l.unitPrice) || !isInt(l.amount) || !isInt(l.subsidy)
      || l.quantity <= 0 || l.unitPrice < 0 || l.amount < 0 || l.subsidy < 0) {
      return { rule: 'receiptLines', message: `Строка ${i + 1} чека: отрицательная цена, сумма или количество`, details: { line: i + 1 } };
    }
    if (l.amount + l.subsidy !== l.unitPrice * l.quantity) {
      return {
        rule: 'receiptLines',
        message: `Строка ${i + 1} чека: ${l.quantity} × ${money(l.unitPrice)} не равно ${money(l.amount)} + льгота ${money(l.subsidy)}`,
        details: { line: i + 1 },
      };
    }
    amount += l.amount;
    subsidy += l.subsidy;
  }
  if (amount !== r.total || subsidy !== r.subsidy) {
    return {
      rule: 'receiptLines',
      message: `Итог чека ${money(r.total)} (льгота ${money(r.subsidy)}) не равен сумме строк ${money(amount)} (льгота ${money(subsidy)})`,
      details: { total: r.total, subsidy: r.subsidy, linesTotal: amount, linesSubsidy: subsidy },
    };
  }
  return null;
}

/**
 * Every rule the entry breaks, given what the ledger already holds (`ctx`). Empty: it may apply.
 * The caller gives the context; `RuleBook` keeps it across a run of one till's entries.
 */
export function entryViolations(e: RuleEntry, ctx: RuleContext): Violation[] {
  const out: Violation[] = [];
  if (!(TERMINAL_ENTRY_KINDS as readonly string[]).includes(e.kind)) {
    out.push({ rule: 'terminalKind', message: `Касса не может создавать проводки вида «${e.kind}»` });
    return out;
  }
  if (!isInt(e.amount)) {
    out.push({ rule: 'amountCap', message: 'Сумма проводки не целое число копеек' });
    return out;
  }
  if (ZERO_AMOUNT_KINDS.has(e.kind)) {
    if (e.amount !== 0) out.push({ rule: 'notZero', message: `Проводка «${e.kind}» не переносит денег, а в ней ${money(e.amount)}`, details: { amount: e.amount } });
    if (e.kind === 'cabinetPassword' && !e.accountNumber) out.push({ rule: 'noAccount', message: 'Пароль кабинета без лицевого счёта' });
    return out;
  }
  if (Math.abs(e.amount) > ctx.maxEntryAmount) {
    out.push({
      rule: 'amountCap', message: `Сумма ${money(e.amount)} больше допустимой для одной проводки (${money(ctx.maxEntryAmount)})`,
      details: { amount: e.amount, maxEntryAmount: ctx.maxEntryAmount },
    });
  }

  if (e.kind === 'subsidy') {
    if (e.accountNumber) {
      out.push({ rule: 'subsidyAccount', message: `Льгота записана на лицевой счёт ${e.accountNumber}, а не на счёт субсидий школы` });
    }
    const p = ctx.previous;
    const sign = p?.kind === 'sale' ? -1 : 1;
    if (!p || (p.kind !== 'sale' && p.kind !== 'refund') || p.receiptId === null || p.subsidy === 0
      || (e.subsidyOf != null && e.subsidyOf !== p.receiptId)) {
      out.push({ rule: 'subsidyUnmatched', message: 'Льгота не следует за своим чеком (продажей или возвратом с льготой)' });
    } else if (e.amount !== sign * p.subsidy) {
      out.push({
        rule: 'subsidyUnmatched', message: `Льгота ${money(e.amount)} не равна льготе чека ${money(sign * p.subsidy)}`,
        details: { amount: e.amount, receiptSubsidy: p.subsidy },
      });
    }
    return out;
  }

  // sale, refund
  if (!e.accountNumber) out.push({ rule: 'noAccount', message: `${e.kind === 'sale' ? 'Продажа' : 'Возврат'} без лицевого счёта` });
  const r = e.receipt;
  if (!r) {
    out.push({ rule: 'badPayload', message: 'Чек в проводке не читается: сумму нельзя проверить' });
    return out;
  }
  if (e.receiptId != null && e.receiptId !== r.receiptId) {
    out.push({ rule: 'receiptMismatch', message: `Проводка ссылается на чек ${e.receiptId}, а несёт чек ${r.receiptId}` });
  }
  const lines = linesViolation(r);
  if (lines) out.push(lines);
  if (e.kind === 'sale') {
    if (e.amount > 0 || e.amount !== -r.total) {
      out.push({
        rule: 'saleAmount', message: `Продажа на ${money(e.amount)} при итоге чека ${money(r.total)}: продажа списывает ровно итог чека`,
        details: { amount: e.amount, total: r.total },
      });
    }
    return out;
  }
  if (e.amount < 0 || e.amount !== r.total) {
    out.push({
      rule: 'refundAmount', message: `Возврат на ${money(e.amount)} при итоге чека ${money(r.total)}: возврат зачисляет ровно итог чека`,
      details: { amount: e.amount, total: r.total },
    });
  }
  if (ctx.receiptTaken) out.push({ rule: 'receiptTaken', message: `Чек возврата ${r.receiptId} уже есть на сервере` });
  const s = ctx.sale;
  if (!r.refundOf || !s || s.accountNumber !== e.accountNumber) {
    out.push({
      rule: 'refundOfUnknown',
      message: `Возврат по чеку ${r.refundOf ?? '(не указан)'}: такой продажи на лицевом счёте ${e.accountNumber ?? '—'} нет`,
      details: { refundOf: r.refundOf ?? null },
    });
  } else if (s.refunded) {
    out.push({ rule: 'refundTwice', message: `По чеку ${s.receiptId} возврат уже сделан`, details: { refundOf: s.receiptId } });
  } else if (r.total > s.total || r.subsidy > s.subsidy) {
    out.push({
      rule: 'refundAmount', message: `Возврат ${money(r.total)} больше продажи ${money(s.total)} по чеку ${s.receiptId}`,
      details: { refundOf: s.receiptId, total: r.total, saleTotal: s.total, subsidy: r.subsidy, saleSubsidy: s.subsidy },
    });
  }
  return out;
}

/**
 * The rules over one till's entries in seq order (a push's run, or reconcile's walk of the stored
 * ledger): remembers the sales and refunds it let through, and the previous entry for a subsidy.
 * The caller seeds what the ledger held before (`knownSales`, `previous`) and says for each entry
 * whether it applied (`record`): an entry that did not apply neither makes a sale refundable nor
 * lets a subsidy follow it.
 */
export class RuleBook {
  private readonly sales: Map<string, SaleFact>;
  private readonly remember: boolean;
  private readonly taken: Set<string>;
  private previous: PreviousFact | null;

  /**
   * `sales`: sales the ledger already holds that refunds may name (a Map is shared, not copied:
   * reconcile keeps one across tills); `takenReceipts`: receipt ids already used, of those the
   * run's refunds would take; `previous`: the till's entry before the run. `remember: false` keeps
   * no sale or receipt id the run lets through (reconcile's walk of a whole ledger; the Map it
   * shares already has every sale a refund names).
   */
  constructor(
    private readonly settings: RuleSettings,
    seed: { sales?: Iterable<SaleFact> | Map<string, SaleFact>; takenReceipts?: Iterable<string>; previous?: PreviousFact | null; remember?: boolean } = {},
  ) {
    this.sales = seed.sales instanceof Map ? seed.sales : new Map([...(seed.sales ?? [])].map((s) => [s.receiptId, { ...s }]));
    this.taken = new Set(seed.takenReceipts ?? []);
    this.previous = seed.previous ?? null;
    this.remember = seed.remember ?? true;
  }

  check(e: RuleEntry): Violation[] {
    const refundOf = e.kind === 'refund' ? e.receipt?.refundOf ?? null : null;
    return entryViolations(e, {
      ...this.settings,
      sale: refundOf ? this.sales.get(refundOf) ?? null : null,
      receiptTaken: e.kind === 'refund' && !!e.receipt && this.taken.has(e.receipt.receiptId),
      previous: this.previous,
    });
  }

  /** After `check`: the entry applied (true) or was stored unapplied (false). */
  record(e: RuleEntry, applied: boolean): void {
    const r = e.receipt;
    if (applied && r && this.remember) {
      // A refund's receipt is what marks its sale refunded in the ledger: a second one under an id
      // the run already used would not be stored, and the sale could be refunded again later.
      this.taken.add(r.receiptId);
      if (e.kind === 'sale') {
        this.sales.set(r.receiptId, { receiptId: r.receiptId, accountNumber: e.accountNumber, total: r.total, subsidy: r.subsidy, refunded: false });
      }
    }
    if (applied && r?.refundOf && e.kind === 'refund') {
      const s = this.sales.get(r.refundOf);
      if (s) s.refunded = true;
    }
    this.previous = applied ? { kind: e.kind, receiptId: r?.receiptId ?? null, subsidy: r?.subsidy ?? 0 } : null;
  }

  /** The next entry does not follow the last one checked (seqs skipped): no subsidy may lean on it. */
  gap(): void { this.previous = null; }
}
