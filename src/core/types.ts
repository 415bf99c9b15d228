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
