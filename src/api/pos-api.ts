import type { Kopecks } from '../core/money.js';
import type { ReceiptDoc } from '../core/receipt.js';
import type { Result } from './result.js';
import type { CardState, CartLine, PrinterState, ReaderState, Role, ShiftInfo, ShiftReport } from '../core/types.js';

/** Domain types the contract shares with the core (which owns them). */
export type { CardState, CartLine, PrinterState, ReaderState, Role, ShiftInfo, ShiftReport };

/**
 * The one contract between the cashier UI and the terminal core.
 * Implemented by the terminal's PosService (src/terminal), exposed to the
 * renderer by Electron's preload (window.pos) and by the browser shell over
 * HTTP + WebSocket (src/shell). The renderer imports only types from here.
 */

export interface CashierSession { cashierId: string; name: string; role: Role }

export interface MenuCategory { id: string; name: string }

export interface MenuItem {
  id: string;                // dish or meal set id
  kind: 'dish' | 'mealSet';
  name: string;              // "Пицца 125 г"
  price: Kopecks;            // full price
  categoryId: string;
  hotkey?: string;           // "1".."9", "F1".."F12"
  /** Allergen ids (src/core/allergens.ts) the item contains; for a meal set, its dishes' too. */
  allergens?: string[];
}

export interface Menu { categories: MenuCategory[]; items: MenuItem[] }

/** What the pupil panel shows after a tap. */
export interface PupilInfo {
  /** This identification's id: a sale names it (SaleRequest.tapId) and uses it up. */
  tapId?: string;
  cardId: string;
  cardState: CardState;
  accountNumber: string;     // "0242013137"
  fullName: string;
  className: string;         // "03Б"
  balance: Kopecks;          // serverBalance + local entries not yet in it
  /** Held by the parents' open meal pre-orders (docs/orders.md); absent when none. A sale may not spend it. */
  reserved?: Kopecks;
  /** доступно = balance − reserved; present with `reserved`. */
  available?: Kopecks;
  /** How far the balance may go below zero offline (school policy), as a positive number. */
  overdraftLimit: Kopecks;
  dailyLimit?: Kopecks;      // parent's limit per school day
  spentToday: Kopecks;
  benefits: string[];        // Russian labels: "1-4 классы", "многодетные" …
  /** Meal sets the pupil may take free or subsidised today, with what the parents pay. */
  entitlements: { mealSetId: string; parentPays: Kopecks; usedToday: boolean }[];
  barredItemIds: string[];
  /** Menu categories the parents barred (every item of them is unavailable). */
  barredCategoryIds?: string[];
  /** Allergen ids of the pupil (src/core/allergens.ts), shown prominently on a tap. */
  allergies?: string[];
  /** What the school does with a dish containing one of them: the cashier confirms it, or it is refused. */
  allergenPolicy?: 'confirm' | 'refuse';
  /** The pupil's photo as a data: URL (small JPEG/WebP from the server); absent = a neutral placeholder. */
  photo?: string;
  /**
   * What the benefit gives today, for the neutral «Льгота» badge ("завтрак бесплатно", "завтрак за 20,00 ₽").
   * Never the social category (152-ФЗ): `benefits` is not shown to the cashier.
   */
  benefitOffer?: string;
  warnings: string[];        // Russian: "Карта заблокирована", "Баланс близок к нулю" …
  hasPermanentPassword: boolean;
}

export interface SaleRequest {
  /** Made by the client when the cart is started; a retried sell() with the same id returns the first result. */
  saleId: string;
  cardId: string;
  lines: CartLine[];
  /**
   * The identification (PupilInfo.tapId of a card tap or manual entry) this sale follows. The core
   * accepts it for one sale only: a second sale needs the card again (no charge without a tap).
   */
  tapId?: string;
  /** Items with one of the pupil's allergens that the cashier explicitly confirmed (recorded on the receipt and the server). */
  allergenConfirmed?: string[];
}

export interface SaleResult {
  receiptId: string;
  receiptNumber: string;     // "24-015183"
  total: Kopecks;            // charged to the account
  subsidy: Kopecks;          // paid by the budget
  balanceAfter: Kopecks;
  receipt: ReceiptDoc;
  printJobId?: string;
}

export interface ReceiptSummary {
  receiptId: string;
  number: string;
  issuedAt: string;
  accountNumber: string;
  pupilName: string;
  total: Kopecks;
  refunded: boolean;
  kind: 'sale' | 'refund';
}

// ---- «Выдача по заявке» (issue 15): fixed orders served at the till ----------------------------

/** A class at a sitting today: how many fixed lines it has and how many are served. */
export interface OrderClassCount { className: string; ordered: number; served: number }
export interface OrderSitting { id: string; name: string; startsAt: string; endsAt: string; classes: OrderClassCount[] }
/** Today's fixed orders by sitting and class (empty when the server has fixed none for today). */
export interface OrderDay { day: string; sittings: OrderSitting[] }

/** One pupil's meal in the class list. Who pays is said neutrally (152-ФЗ: no benefit category on screen). */
export interface OrderPupil {
  lineId: string;
  accountNumber: string | null;
  fullName: string;
  className: string;
  mealSetName: string;
  dishes: string[];
  /** 'parents' — charged to the account at the fix; 'budget' — free; 'both' — partly paid. */
  paidBy: 'parents' | 'budget' | 'both';
  served: boolean;
  /** Cancelled by a manager after the fix: not to be served. */
  reversed: boolean;
}
export interface OrderClassList {
  day: string;
  sittingId: string;
  sittingName: string;
  className: string;
  pupils: OrderPupil[];
  ordered: number;
  served: number;
}
/** Marks lines served: those named, the card's pupil's line of the sitting, or the whole class (`all`). */
export interface ServeRequest { sittingId: string; className: string; lineIds?: string[]; cardId?: string; all?: boolean }
export interface ServeResult {
  /** Lines marked now (0: they were served already). */
  marked: number;
  list: OrderClassList;
  /** The pupil a card tap found. */
  pupil?: OrderPupil;
  /** A card tap: the pupil's balance and what is available of it (balance − the open pre-orders' reservation). */
  funds?: { balance: Kopecks; available: Kopecks };
  /** Russian, for the screen: "Выдано: Иванов Иван — Обед А". */
  message: string;
}

export type SyncState = {
  online: boolean;
  pending: number;           // entries not yet acknowledged by the server
  lastSyncAt?: string;
  lastError?: string;
  /**
   * Set while the server holds entries of this terminal newer than its own ledger has (the
   * terminal's database was restored from an older copy): new sales reuse numbers the server
   * already has, and the server keeps them for review instead of applying them. Russian, for the screen.
   */
  ledgerWarning?: string;
  configured: boolean;       // false on a stand-alone terminal with no server
};

export interface TerminalStatus {
  terminalId: string;
  terminalName: string;
  schoolCode: string;
  schoolName: string;
  session?: CashierSession;
  shift?: ShiftInfo;
  reader: ReaderState;
  printer: PrinterState;
  sync: SyncState;
  /** True when the terminal has sold longer without a sync than the school allows. */
  staleWarning?: string;
}

/** Pushed to the UI (IPC events in Electron, WebSocket messages in the browser shell). */
export type PosEvent =
  | {
      type: 'card'; cardId: string; raw?: string;
      /** Set by the shell when it already asked the core (saves the renderer a round trip per tap). */
      identified?: Result<PupilInfo>;
    }
  | { type: 'cardError'; message: string; raw?: string }
  | { type: 'reader'; state: ReaderState }
  | { type: 'printer'; state: PrinterState }
  | { type: 'sync'; state: SyncState }
  | { type: 'dataChanged' };  // a pull changed balances, cards or the menu

export interface PosApi {
  status(): Promise<Result<TerminalStatus>>;
  login(pin: string): Promise<Result<CashierSession>>;
  logout(): Promise<Result<null>>;

  menu(): Promise<Result<Menu>>;
  identifyCard(cardId: string): Promise<Result<PupilInfo>>;
  /** Prices a cart without writing anything (what the cart panel shows). */
  quote(req: SaleRequest): Promise<Result<{ total: Kopecks; subsidy: Kopecks; balanceAfter: Kopecks; lines: ReceiptDoc['lines'] }>>;
  sell(req: SaleRequest): Promise<Result<SaleResult>>;

  lastReceipts(limit: number): Promise<Result<ReceiptSummary[]>>;
  receipt(receiptId: string): Promise<Result<ReceiptDoc>>;
  reprint(receiptId: string): Promise<Result<{ printJobId: string }>>;

  /**
   * Opens the shift. With a manager's PIN (typed in place on the sale screen when a tap finds the
   * shift closed), the manager opens it without taking over the cashier's session.
   */
  openShift(managerPin?: string): Promise<Result<ShiftInfo>>;
  xReport(): Promise<Result<ShiftReport>>;
  /** Z report: closes the shift (manager only; a cashier's session passes the manager's PIN, typed in place). */
  closeShift(managerPin?: string): Promise<Result<ShiftReport>>;
  printReport(report: ShiftReport): Promise<Result<{ printJobId: string }>>;

  /** Manager only: reverses a whole receipt with a new entry. */
  refund(receiptId: string, reason: string): Promise<Result<SaleResult>>;
  /** Manager only. */
  blockCard(cardId: string, reason: string): Promise<Result<null>>;
  /** Manager only: a new temporary cabinet password printed for the pupil. */
  newCabinetPassword(accountNumber: string): Promise<Result<{ printJobId: string }>>;

  /** «Выдача по заявке»: today's fixed orders by sitting and class. */
  orderDay(): Promise<Result<OrderDay>>;
  /** The class list of a sitting today with each pupil's meal and whether it is served. */
  orderClass(sittingId: string, className: string): Promise<Result<OrderClassList>>;
  /**
   * Marks fixed order lines served (an orderServed entry each, amount 0, synced like sales). A line served
   * already is not marked again. A pupil with no order is refused here and buys at the till as usual.
   */
  serveOrders(req: ServeRequest): Promise<Result<ServeResult>>;

  /** Simulated devices only (demo, tests): a tap as if the reader saw this card. */
  simulateTap(cardId: string): Promise<Result<null>>;
}

/** Method names, for bridges that forward calls by name (preload, HTTP shell). */
export const POS_API_METHODS = [
  'status', 'login', 'logout', 'menu', 'identifyCard', 'quote', 'sell',
  'lastReceipts', 'receipt', 'reprint', 'openShift', 'xReport', 'closeShift', 'printReport',
  'refund', 'blockCard', 'newCabinetPassword', 'orderDay', 'orderClass', 'serveOrders', 'simulateTap',
] as const satisfies readonly (keyof PosApi)[];
