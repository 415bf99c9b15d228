import type { ReceiptDoc } from '../../src/core/receipt.js';
import type { ShiftReport } from '../../src/core/types.js';

/** The seed's receipt "Чек №24-015183" (15.03.2018 10:42, Иванов Иван Иванович, 03Б), with the cabinet login block. */
export function demoReceipt(overrides: Partial<ReceiptDoc> = {}): ReceiptDoc {
  const lines: ReceiptDoc['lines'] = [
    { name: 'Каша гречневая рассыпчатая 150 г', quantity: 1, unitPrice: 830, amount: 830 },
    { name: 'Котлета рубленая из филе курицы, 100 г', quantity: 1, unitPrice: 2385, amount: 2385 },
    { name: 'Пицца 125 г', quantity: 1, unitPrice: 3450, amount: 3450 },
    { name: 'Булочка ванильная с изюмом 110 г', quantity: 1, unitPrice: 1650, amount: 1650 },
    { name: 'Сок в ассортименте 200 г', quantity: 1, unitPrice: 1320, amount: 1320 },
  ];
  return {
    kind: 'sale',
    schoolName: 'Школа №24',
    terminalName: 'Касса 1',
    number: '24-015183',
    issuedAt: '2018-03-15T07:42:00.000Z', // 10:42 Moscow time
    timeZone: 'Europe/Moscow',
    lines,
    total: 9635,
    pupil: { shortName: 'И. И. И.', className: '03Б', accountNumber: '0242013137' },
    balanceAfter: 58131,
    cabinetLogin: { url: 'https://lk.canteen.example/', login: '0242013137', password: 'Ёж7-кот4' },
    ...overrides,
  };
}

export function demoShiftReport(kind: 'X' | 'Z' = 'X'): ShiftReport {
  return {
    kind,
    shift: { id: 'demo-shift', number: 42, openedAt: '2018-03-15T04:55:00.000Z', openedBy: 'Петрова А.С.', ...(kind === 'Z' ? { closedAt: '2018-03-15T12:10:00.000Z' } : {}) },
    generatedAt: '2018-03-15T12:10:00.000Z',
    salesCount: 2, salesTotal: 15235, subsidyTotal: 4961, refundsCount: 0, refundsTotal: 0, net: 15235,
    firstReceipt: '24-015182', lastReceipt: '24-015183',
    perItem: [
      { itemId: 'd1', name: 'Каша гречневая рассыпчатая 150 г', quantity: 1, amount: 830 },
      { itemId: 'm1', name: 'Завтрак младшая школа Ежедневное полное меню 1-4 кл.(род+дотация)', quantity: 1, amount: 5600 },
    ],
    text: [],
  };
}
