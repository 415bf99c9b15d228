import type Database from 'better-sqlite3';
import type { CashierSession, PupilInfo } from '../../api/pos-api.js';
import { schoolDay } from '../../core/datetime.js';
import { formatReaderLine, parseCardId, type ParsedCardId } from '../../core/card-id.js';
import type { Kopecks } from '../../core/money.js';
import { fail, ok, type Result } from '../../core/result.js';
import { allowedOverdraft, bestEntitlements, cardStateError, type Entitlement } from '../../core/sale.js';
import type { SqlPick } from '../db/rows.js';
import { LINE_KEY_SPAN, type accounts, type barredItems, type benefitCategories, type cards, type students } from '../db/schema.js';
import type { TerminalConfig } from './config.js';
import type { BalanceRow, LedgerWriter } from './ledger-writer.js';
import { benefitOffer, type PupilSafety } from './pupil-safety.js';

/** A card joined with its account: what a tap and a sale read, in one statement. */
export type CardRow = BalanceRow & SqlPick<typeof cards, 'state'> & { card_id: string } & SqlPick<typeof accounts,
  'spent_day' | 'spent_today' | 'daily_limit' | 'has_permanent_password' | 'temp_password_issued_at' | 'student_id' | 'reserved'>;

/** Everything the sale rule needs to know about the pupil behind a card, today. */
export interface PupilContext {
  card: CardRow;
  fullName: string;
  className: string;
  balance: Kopecks;
  spentToday: Kopecks;
  benefitNames: string[];
  entitlements: Entitlement[];
  usedToday: Set<string>;
  barredItemIds: Set<string>;
  barredCategoryIds: Set<string>;
  /** Allergen ids of the pupil and the photo (data: URL), read per tap (pupil-safety.ts). */
  allergies: string[];
  photo?: string;
}

type PupilRules = Pick<PupilContext, 'fullName' | 'className' | 'benefitNames' | 'entitlements' | 'barredItemIds' | 'barredCategoryIds'>;
/** Pupils whose rules are kept between pulls (a school has a few thousand; the map is simply emptied beyond this). */
const RULES_CACHE_MAX = 20_000;

const badInput = (message: string) => fail<never>('BAD_INPUT', message);
const unknownCard = (cardId: string) => fail<never>('UNKNOWN_CARD', 'Карта не найдена. Обратитесь к заведующему', { cardId });

/**
 * Cards and the pupils behind them: card ids as read (core/card-id.ts) resolved to stored
 * cards, the pupil's context for a tap or a sale (balance, today's spending, benefits, bans)
 * and the card's state.
 */
export class CardDirectory {
  private readonly rulesCache = new Map<string, PupilRules>();
  private readonly st;

  constructor(sqlite: Database.Database, private readonly config: TerminalConfig, private readonly ledger: LedgerWriter,
    private readonly online: () => boolean, readonly safety: PupilSafety) {
    this.st = {
      card: sqlite.prepare<[string], CardRow>(
        `SELECT c.id AS card_id, c.state, a.number AS account_number, a.server_balance, a.server_seq, a.local_sum,
                a.spent_day, a.spent_today, a.daily_limit, a.reserved,
                a.has_permanent_password, a.temp_password_issued_at, a.student_id
           FROM cards c JOIN accounts a ON a.number = c.account_number WHERE c.id = ?`),
      student: sqlite.prepare<[string], SqlPick<typeof students, 'full_name' | 'class_name'>>(`SELECT full_name, class_name FROM students WHERE id = ?`),
      benefits: sqlite.prepare<[string], SqlPick<typeof benefitCategories, 'id' | 'name'>>(
        `SELECT b.id, b.name FROM student_benefits sb JOIN benefit_categories b ON b.id = sb.benefit_category_id WHERE sb.student_id = ? ORDER BY b.name`),
      entitlements: sqlite.prepare<[string], Entitlement>(
        `SELECT r.id AS ruleId, r.meal_set_id AS mealSetId, r.parent_pays AS parentPays
           FROM student_benefits sb JOIN entitlement_rules r ON r.benefit_category_id = sb.benefit_category_id
          WHERE sb.student_id = ?`),
      // A used benefit always has subsidy > 0 (priceSale caps parent_pays at the price; a rule with
      // parent_pays = price changes nothing), so the partial index receipts_benefit_day_idx covers it.
      usedToday: sqlite.prepare<[string, string], string>(
        `SELECT DISTINCT l.item_id FROM receipts r JOIN receipt_lines l ON l.id BETWEEN r.seq * ${LINE_KEY_SPAN} AND r.seq * ${LINE_KEY_SPAN} + ${LINE_KEY_SPAN - 1}
          WHERE r.account_number = ? AND r.school_day = ? AND r.subsidy > 0 AND r.kind = 'sale'
            AND r.refunded_by IS NULL AND l.rule_id IS NOT NULL`).pluck(),
      barred: sqlite.prepare<[string], SqlPick<typeof barredItems, 'target_kind' | 'target_id'>>(`SELECT target_kind, target_id FROM barred_items WHERE account_number = ?`),
      cardState: sqlite.prepare<[string], SqlPick<typeof cards, 'id' | 'state' | 'account_number'>>(`SELECT id, state, account_number FROM cards WHERE id = ?`),
      // LIMIT 2: one row is the card, a second means the alias is ambiguous (W26 carries 24 bits).
      // The join skips an alias whose card is gone, so a stale row can neither match nor make a tie.
      cardByAlias: sqlite.prepare<[string], string>(`SELECT a.card_id FROM card_aliases a JOIN cards c ON c.id = a.card_id WHERE a.alias = ? LIMIT 2`).pluck(),
      setCardState: sqlite.prepare<[string, string, string]>(`UPDATE cards SET state = ?, updated_at = ? WHERE id = ?`),
      accountStudent: sqlite.prepare<[string], { number: string } & SqlPick<typeof students, 'full_name' | 'class_name'>>(
        `SELECT a.number, st.full_name, st.class_name FROM accounts a JOIN students st ON st.id = a.student_id WHERE a.number = ?`),
    };
  }

  /** Forgets the pupils' cached rules (after a pull changed them). */
  reload(): void {
    this.rulesCache.clear();
    this.safety.reload();
  }

  /** A well-formed card id, as read (stored EM:/MF: ids and wedge/HID DEC:/HEX:/W26: reads; core/card-id.ts). */
  parse(cardId: unknown): Result<Extract<ParsedCardId, { ok: true }>> {
    const id = parseCardId(cardId);
    return id.ok ? ok(id) : badInput(id.message);
  }

  /**
   * The stored id of the card a read names. EM:/MF: are stored ids already; a wedge/HID
   * reader's DEC:/HEX:/W26: read goes through card_aliases (primary key). An alias that names
   * two cards is refused: picking one could charge another pupil's account.
   */
  resolve(cardId: unknown): Result<string> {
    const parsed = this.parse(cardId);
    if (!parsed.ok) return parsed;
    const { cardId: id, stored } = parsed.value;
    if (stored) return ok(id);
    const found = this.st.cardByAlias.all(id);
    if (found.length === 0) return unknownCard(id);
    if (found.length > 1) {
      // Shown the way the reader typed it ("126,58404"), which is what the cashier saw.
      const typed = formatReaderLine(id) ?? id;
      return fail('AMBIGUOUS_CARD',
        `Номер карты «${typed}» подходит к нескольким картам. Введите полный номер карты вручную: 10 цифр с карты или EM:…/MF:…`,
        { cardId: id });
    }
    return ok(found[0]!);
  }

  /** How far below zero an account may go now (school policy, offline only). */
  overdraft(): Kopecks {
    return allowedOverdraft(this.config.school.overdraft_limit, this.online());
  }

  context(cardId: string, day: string): Result<PupilContext> {
    const card = this.st.card.get(cardId);
    const rules = card && this.pupilRules(card.student_id, card.account_number);
    if (!card || !rules) return unknownCard(cardId);
    const balance = this.ledger.balance(card);
    // Across tills: what the server last said the others spent and gave today, plus this till's own entries.
    const elsewhere = this.safety.elsewhere(card.account_number, day);
    const spentToday = this.ledger.spentToday(card.account_number, card, day) + elsewhere.spent;
    const usedToday = new Set(rules.entitlements.length ? this.st.usedToday.all(card.account_number, day) : []);
    if (elsewhere.benefitUsed) for (const e of rules.entitlements) usedToday.add(e.mealSetId);
    const extras = this.safety.extras(card.student_id);
    return ok({ card, ...rules, balance, spentToday, usedToday, ...extras });
  }

  /** What the pupil panel shows after a tap. */
  pupilInfo(ctx: PupilContext): PupilInfo {
    const { card, balance, spentToday } = ctx;
    const warnings: string[] = [];
    if (cardStateError(card.state)) warnings.push(card.state === 'blocked' ? 'Карта заблокирована' : 'Карта утеряна');
    const reserved = Math.max(0, card.reserved);
    if (balance < 0) warnings.push('Отрицательный баланс');
    else if (balance < 5000) warnings.push('Баланс близок к нулю');
    if (card.daily_limit != null && spentToday >= card.daily_limit) warnings.push('Дневной лимит исчерпан');
    const best = bestEntitlements(ctx.entitlements);
    return {
      cardId: card.card_id,
      cardState: card.state,
      accountNumber: card.account_number,
      fullName: ctx.fullName,
      className: ctx.className,
      balance,
      // доступно = balance − the parents' open pre-orders (docs/orders.md); a sale may not spend the reservation.
      ...(reserved > 0 ? { reserved, available: balance - reserved } : {}),
      overdraftLimit: this.overdraft(),
      ...(card.daily_limit != null ? { dailyLimit: card.daily_limit } : {}),
      spentToday,
      benefits: ctx.benefitNames,
      ...(best.size ? { benefitOffer: benefitOffer(best, ctx.usedToday, (id) => this.config.catalog.get(id)?.name) } : {}),
      allergies: ctx.allergies,
      allergenPolicy: this.safety.policy(),
      ...(ctx.photo ? { photo: ctx.photo } : {}),
      barredCategoryIds: [...ctx.barredCategoryIds],
      entitlements: [...best.values()].map((e) => ({ mealSetId: e.mealSetId, parentPays: e.parentPays, usedToday: ctx.usedToday.has(e.mealSetId) })),
      barredItemIds: [...ctx.barredItemIds].concat(
        [...this.config.catalog.values()].filter((i) => ctx.barredCategoryIds.has(i.categoryId) && !ctx.barredItemIds.has(i.id)).map((i) => i.id),
      ),
      warnings,
      hasPermanentPassword: card.has_permanent_password === 1,
    };
  }

  /** The pupil an account belongs to, if on this terminal. */
  pupilOfAccount(accountNumber: string): ({ number: string } & SqlPick<typeof students, 'full_name' | 'class_name'>) | undefined {
    return this.st.accountStudent.get(accountNumber);
  }

  /** A manager blocks a card: the card's state and a cardBlock entry (the server blocks it everywhere) in one write. */
  block(session: CashierSession, cardId: unknown, reason: unknown, now: Date, shiftId: string | null): Result<null> {
    if (typeof reason !== 'string' || reason.trim().length === 0 || reason.length > 300) return badInput('Укажите причину блокировки (до 300 знаков)');
    const id = this.resolve(cardId);
    if (!id.ok) return id;
    const card = this.st.cardState.get(id.value);
    if (!card) return fail('UNKNOWN_CARD', 'Карта не найдена', { cardId: id.value });
    if (card.state === 'blocked') return ok(null);
    const at = now.toISOString();
    this.ledger.write(() => {
      this.ledger.append({
        kind: 'cardBlock', accountNumber: card.account_number, amount: 0, createdAt: at, schoolDay: schoolDay(now, this.config.school.time_zone),
        receiptSeq: null, shiftId, cashierId: session.cashierId, cardId: card.id, payload: JSON.stringify({ cardId: card.id, reason: reason.trim() }),
      });
      this.st.setCardState.run('blocked', at, card.id);
    });
    return ok(null);
  }

  /**
   * A pupil's name, class, benefits, entitlements and barred items: only a pull changes them, and
   * reload() (which runs after every pull that brought data) forgets them, so they are read once per pupil,
   * not on every tap and sale. Balance, card state and today's spending are always read fresh.
   * Undefined when the account's pupil is not on this terminal.
   */
  private pupilRules(studentId: string, accountNumber: string): PupilRules | undefined {
    const key = `${studentId}\u0000${accountNumber}`;
    let rules = this.rulesCache.get(key);
    if (rules) return rules;
    const student = this.st.student.get(studentId);
    if (!student) return undefined;
    const benefits = this.st.benefits.all(studentId);
    const entitlements = benefits.length ? this.st.entitlements.all(studentId) : [];
    const barredItemIds = new Set<string>();
    const barredCategoryIds = new Set<string>();
    for (const b of this.st.barred.all(accountNumber)) (b.target_kind === 'item' ? barredItemIds : barredCategoryIds).add(b.target_id);
    rules = { fullName: student.full_name, className: student.class_name, benefitNames: benefits.map((b) => b.name), entitlements, barredItemIds, barredCategoryIds };
    if (this.rulesCache.size >= RULES_CACHE_MAX) this.rulesCache.clear();
    this.rulesCache.set(key, rules);
    return rules;
  }
}
