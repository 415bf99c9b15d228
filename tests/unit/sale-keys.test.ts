import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { RecentSaleKeys } from '../../src/terminal/sale-keys.js';

describe('RecentSaleKeys: sell() idempotency keys of the newest receipts', () => {
  it('loads the newest receipts\' keys from the ledger, skips refunds, and forgets the oldest once full', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE receipts (seq INTEGER PRIMARY KEY, sale_id TEXT)');
    const ins = db.prepare('INSERT INTO receipts (seq, sale_id) VALUES (?, ?)');
    for (let seq = 1; seq <= 6; seq++) ins.run(seq, seq === 4 ? null : `k${seq}`); // 4: a refund has no key
    const keys = new RecentSaleKeys(3);
    keys.load(db);
    // The newest three receipts are 4, 5, 6: 4 has no key, so the window holds k5 and k6.
    expect([keys.get('k3'), keys.get('k5'), keys.get('k6'), keys.size]).toEqual([undefined, 5, 6, 2]);
    keys.add('k7', 7);
    keys.add('k8', 8);
    expect([keys.get('k5'), keys.get('k6'), keys.get('k7'), keys.get('k8'), keys.size]).toEqual([undefined, 6, 7, 8, 3]);
  });
});
