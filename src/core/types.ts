import type { Kopecks } from './money.js';

/**
 * Domain types the core's rules work on and the PosApi contract (src/api/pos-api.ts)
 * shares with the UI. They live here so the core imports nothing of ours.
 */
export type Role = 'cashier' | 'manager';

export type CardState = 'active' | 'blocked' | 'lost';

export interface CartLine { itemId: string; quantity: number }

export interface ShiftInfo {
  id: string;
  number: number;
  openedAt: string;
  openedBy: string;          // cashier name
  closedAt?: string;
}

export interface ShiftReport {
  kind: 'X' | 'Z';
  shift: ShiftInfo;
  generatedAt: string;
  salesCount: number;
  salesTotal: Kopecks;       // charged to pupils' accounts
  subsidyTotal: Kopecks;     // paid by the budget
  refundsCount: number;
  refundsTotal: Kopecks;
  net: Kopecks;              // salesTotal - refundsTotal
  firstReceipt?: string;
  lastReceipt?: string;
  perItem: { itemId: string; name: string; quantity: number; amount: Kopecks }[];
  text: string[];            // the report as printable lines (Russian)
}

/** The card reader's and the printer's state, as the devices report it and the cashier's screen shows it. */
export type ReaderState = { connected: boolean; simulated: boolean; port?: string; lastError?: string };
export type PrinterState = {
  state: 'ready' | 'paperOut' | 'paperNearEnd' | 'coverOpen' | 'offline' | 'unknown';
  simulated: boolean;
  queued: number;            // receipts waiting in the print queue
  message?: string;          // Russian: what the cashier should do
};
