import type { Kopecks } from './money.js';

/**
 * The demo school: plain data with stable ids, no I/O. The terminal loads it
 * into an empty SQLite file (`canteen demo`, tests); the central server seeds
 * from the same module, so ids here are the ids on both sides.
 * PINs are plaintext ONLY here (demo data); every database stores argon2id hashes.
 */

export interface DemoSchool {
  school: {
    id: string;
    code: string;                 // printed in receipt numbers: "24-015183"
    name: string;
    timeZone: string;
    /** How far an account may go below zero while the terminal is offline (positive kopecks). */
    overdraftLimit: Kopecks;
    /** Warn the cashier when the terminal has not synced for this long. */
    staleAfterMinutes: number;
    cabinetUrl: string;
    /** A dish with one of the pupil's allergens: confirmed by the cashier (default) or refused. */
    allergenPolicy?: 'confirm' | 'refuse';
  };
  terminal: { id: string; name: string; receiptSeries: string };
  categories: { id: string; name: string; sort: number }[];
  /** allergens: ids of src/core/allergens.ts. */
  dishes: { id: string; name: string; price: Kopecks; categoryId: string; hotkey?: string; sort: number; allergens?: string[] }[];
  mealSets: { id: string; name: string; price: Kopecks; categoryId: string; hotkey?: string; sort: number; dishIds: string[]; allergens?: string[] }[];
  benefitCategories: { id: string; name: string }[];
  /** Category → meal set → what the parents pay (0 = free meal); the rest is the budget's subsidy. */
  entitlementRules: { id: string; benefitCategoryId: string; mealSetId: string; parentPays: Kopecks }[];
  students: {
    id: string;
    fullName: string;
    className: string;
    accountNumber: string;
    openingBalance: Kopecks;
    benefitCategoryIds: string[];
    dailyLimit?: Kopecks;
    /** Allergen ids (src/core/allergens.ts). */
    allergies?: string[];
    barredItemIds: string[];
    barredCategoryIds: string[];
    hasPermanentPassword: boolean;
  }[];
  cards: { id: string; accountNumber: string; state: 'active' | 'blocked' | 'lost' }[];
  cashiers: { id: string; name: string; role: 'cashier' | 'manager'; pin: string }[];
}

export const DEMO_SCHOOL: DemoSchool = {
  school: {
    id: 'school-24',
    code: '24',
    name: 'Школа №24',
    timeZone: 'Europe/Moscow',
    overdraftLimit: 0,
    staleAfterMinutes: 24 * 60,
    cabinetUrl: 'https://k.canteen.local',
  },
  terminal: { id: 'terminal-24-1', name: 'Касса 1', receiptSeries: '' },
  categories: [
    { id: 'cat-hot', name: 'Горячее', sort: 1 },
    { id: 'cat-side', name: 'Гарниры', sort: 2 },
    { id: 'cat-salad', name: 'Салаты', sort: 3 },
    { id: 'cat-bakery', name: 'Выпечка', sort: 4 },
    { id: 'cat-drinks', name: 'Напитки', sort: 5 },
    { id: 'cat-sets', name: 'Комплексы', sort: 6 },
  ],
  dishes: [
    { id: 'dish-kasha-grech', name: 'Каша гречневая рассыпчатая 150 г', price: 830, categoryId: 'cat-side', hotkey: '1', sort: 1 },
    { id: 'dish-kotleta-kur', name: 'Котлета рубленая из филе курицы, 100 г', price: 2385, categoryId: 'cat-hot', hotkey: '2', sort: 2, allergens: ['gluten', 'eggs'] },
    { id: 'dish-salat-kapusta', name: 'Салат из белокачанной капусты, 100 г', price: 543, categoryId: 'cat-salad', hotkey: '3', sort: 3 },
    { id: 'dish-salat-kvash', name: 'Салат из квашеной капусты 100 г', price: 1005, categoryId: 'cat-salad', hotkey: '4', sort: 4 },
    { id: 'dish-pizza', name: 'Пицца 125 г', price: 3450, categoryId: 'cat-bakery', hotkey: '5', sort: 5, allergens: ['gluten', 'milk'] },
    { id: 'dish-sok', name: 'Сок в ассортименте 200 г', price: 1320, categoryId: 'cat-drinks', hotkey: '6', sort: 6 },
    { id: 'dish-bulochka', name: 'Булочка ванильная с изюмом 110 г', price: 1650, categoryId: 'cat-bakery', hotkey: '7', sort: 7, allergens: ['gluten', 'milk', 'eggs'] },
    { id: 'dish-makarony', name: 'Макароны отварные 150 г', price: 473, categoryId: 'cat-side', hotkey: '8', sort: 8, allergens: ['gluten'] },
    { id: 'dish-ris', name: 'Рис отварной 150 г', price: 713, categoryId: 'cat-side', hotkey: '9', sort: 9 },
    { id: 'dish-sosiska', name: 'Сосиска отварная 50 г', price: 1454, categoryId: 'cat-hot', hotkey: '0', sort: 10, allergens: ['soy', 'milk'] },
    // The dozen added for the 24-tile screen (issue 13): hotkeys go on after the complex meal's F1.
    { id: 'dish-sup-kur', name: 'Суп куриный с вермишелью 250 г', price: 2150, categoryId: 'cat-hot', hotkey: 'F2', sort: 11, allergens: ['gluten', 'celery'] },
    { id: 'dish-ryba', name: 'Минтай запечённый 100 г', price: 3120, categoryId: 'cat-hot', hotkey: 'F3', sort: 12, allergens: ['fish'] },
    { id: 'dish-omlet', name: 'Омлет натуральный 100 г', price: 1890, categoryId: 'cat-hot', hotkey: 'F4', sort: 13, allergens: ['eggs', 'milk'] },
    { id: 'dish-syrniki', name: 'Сырники со сметаной 150 г', price: 3560, categoryId: 'cat-hot', hotkey: 'F5', sort: 14, allergens: ['milk', 'eggs', 'gluten'] },
    { id: 'dish-pure', name: 'Пюре картофельное 150 г', price: 1240, categoryId: 'cat-side', hotkey: 'F6', sort: 15, allergens: ['milk'] },
    { id: 'dish-salat-morkov', name: 'Салат из моркови с яблоком 100 г', price: 870, categoryId: 'cat-salad', hotkey: 'F7', sort: 16 },
    { id: 'dish-vinegret', name: 'Винегрет овощной 100 г', price: 960, categoryId: 'cat-salad', hotkey: 'F8', sort: 17 },
    { id: 'dish-pirozhok', name: 'Пирожок с капустой 75 г', price: 1100, categoryId: 'cat-bakery', hotkey: 'F9', sort: 18, allergens: ['gluten', 'eggs'] },
    { id: 'dish-keks', name: 'Кекс с орехами 60 г', price: 1480, categoryId: 'cat-bakery', hotkey: 'F10', sort: 19, allergens: ['gluten', 'nuts', 'eggs', 'milk'] },
    { id: 'dish-kompot', name: 'Компот из сухофруктов 200 г', price: 650, categoryId: 'cat-drinks', hotkey: 'F11', sort: 20, allergens: ['sulphites'] },
    { id: 'dish-chai', name: 'Чай с сахаром 200 г', price: 300, categoryId: 'cat-drinks', hotkey: 'F12', sort: 21 },
    { id: 'dish-kakao', name: 'Какао с молоком 200 г', price: 1150, categoryId: 'cat-drinks', sort: 22, allergens: ['milk'] },
  ],
  mealSets: [
    {
      id: 'set-breakfast-1-4',
      name: 'Завтрак младшая школа Ежедневное полное меню 1-4 кл.(род+дотация)',
      price: 4961,
      categoryId: 'cat-sets',
      hotkey: 'F1',
      sort: 1,
      dishIds: ['dish-kasha-grech', 'dish-sok'],
    },
    {
      id: 'set-lunch',
      name: 'Обед Ежедневное полное меню 5-11 кл.',
      price: 8975,
      categoryId: 'cat-sets',
      sort: 2,
      dishIds: ['dish-sup-kur', 'dish-kotleta-kur', 'dish-pure', 'dish-kompot'],
    },
  ],
  benefitCategories: [
    { id: 'ben-grade-1-4', name: '1-4 классы' },
    { id: 'ben-large-family', name: 'многодетные' },
    { id: 'ben-low-income', name: 'малообеспеченные' },
    { id: 'ben-guardianship', name: 'опекаемые' },
    { id: 'ben-hardship', name: 'ТЖС' },
    { id: 'ben-disability', name: 'ОВЗ' },
  ],
  entitlementRules: [
    { id: 'rule-grade-1-4-breakfast', benefitCategoryId: 'ben-grade-1-4', mealSetId: 'set-breakfast-1-4', parentPays: 0 },
    { id: 'rule-large-family-breakfast', benefitCategoryId: 'ben-large-family', mealSetId: 'set-breakfast-1-4', parentPays: 0 },
    // Subsidised, not free: parents pay 20,00, the budget 29,61.
    { id: 'rule-low-income-breakfast', benefitCategoryId: 'ben-low-income', mealSetId: 'set-breakfast-1-4', parentPays: 2000 },
  ],
  students: [
    {
      // The seed pupil: 677,66 − the seed receipt 96,35 leaves 581,31.
      id: 'student-ivanov',
      fullName: 'Иванов Иван Иванович',
      className: '03Б',
      accountNumber: '0242013137',
      openingBalance: 67766,
      benefitCategoryIds: [],
      barredItemIds: [],
      barredCategoryIds: [],
      hasPermanentPassword: true,
    },
    {
      id: 'student-petrova',
      fullName: 'Петрова Анна Сергеевна',
      className: '03А',
      accountNumber: '0242013145',
      openingBalance: 15000,
      benefitCategoryIds: ['ben-grade-1-4'],
      barredItemIds: [],
      barredCategoryIds: [],
      hasPermanentPassword: false,
    },
    {
      id: 'student-sidorov',
      fullName: 'Сидоров Пётр Алексеевич',
      className: '07В',
      accountNumber: '0242013153',
      openingBalance: 30000,
      benefitCategoryIds: [],
      barredItemIds: ['dish-pizza'],
      barredCategoryIds: ['cat-drinks'],
      hasPermanentPassword: true,
    },
    {
      id: 'student-kuznetsova',
      fullName: 'Кузнецова Ольга Дмитриевна',
      className: '05А',
      accountNumber: '0242013161',
      openingBalance: 20000,
      benefitCategoryIds: [],
      barredItemIds: [],
      barredCategoryIds: [],
      hasPermanentPassword: true,
    },
    {
      id: 'student-smirnov',
      fullName: 'Смирнов Алексей Игоревич',
      className: '08Б',
      accountNumber: '0242013179',
      openingBalance: 1000,
      benefitCategoryIds: [],
      barredItemIds: [],
      barredCategoryIds: [],
      hasPermanentPassword: true,
    },
    {
      id: 'student-popova',
      fullName: 'Попова Мария Андреевна',
      className: '06А',
      accountNumber: '0242013187',
      openingBalance: 50000,
      benefitCategoryIds: [],
      dailyLimit: 10000,
      barredItemIds: [],
      barredCategoryIds: [],
      hasPermanentPassword: true,
    },
    {
      id: 'student-volkov',
      fullName: 'Волков Дмитрий Олегович',
      className: '02Б',
      accountNumber: '0242013195',
      openingBalance: 10000,
      benefitCategoryIds: ['ben-low-income'],
      barredItemIds: [],
      barredCategoryIds: [],
      hasPermanentPassword: false,
    },
    {
      // Allergic to nuts and milk (issue 13): the till shows it on a tap and asks before such a dish.
      id: 'student-morozova',
      fullName: 'Морозова Дарья Викторовна',
      className: '04А',
      accountNumber: '0242013203',
      openingBalance: 40000,
      benefitCategoryIds: [],
      allergies: ['nuts', 'milk'],
      barredItemIds: [],
      barredCategoryIds: [],
      hasPermanentPassword: true,
    },
  ],
  cards: [
    { id: 'EM:55007EE424', accountNumber: '0242013137', state: 'active' },   // Em-Marine[5500] 126,58404
    { id: 'MF:BCD14264', accountNumber: '0242013145', state: 'active' },     // Mifare[BCD14264] 1K
    { id: 'EM:55007E1001', accountNumber: '0242013153', state: 'active' },
    { id: 'EM:55007E1002', accountNumber: '0242013161', state: 'blocked' },
    { id: 'EM:55007E1003', accountNumber: '0242013161', state: 'lost' },
    { id: 'EM:55007E1004', accountNumber: '0242013179', state: 'active' },
    { id: 'EM:55007E1005', accountNumber: '0242013187', state: 'active' },
    { id: 'EM:55007E1006', accountNumber: '0242013195', state: 'active' },
    { id: 'EM:55007E1007', accountNumber: '0242013203', state: 'active' },
  ],
  cashiers: [
    { id: 'cashier-smirnova', name: 'Смирнова Елена', role: 'cashier', pin: '1111' },
    { id: 'manager-petrenko', name: 'Петренко Галина Ивановна', role: 'manager', pin: '9999' },
  ],
};

/** Handy names for tests and the console demo. */
export const DEMO_CARDS = {
  ivanov: 'EM:55007EE424',
  freeBreakfast: 'MF:BCD14264',
  barred: 'EM:55007E1001',
  blocked: 'EM:55007E1002',
  lost: 'EM:55007E1003',
  lowBalance: 'EM:55007E1004',
  dailyLimit: 'EM:55007E1005',
  subsidised: 'EM:55007E1006',
  allergic: 'EM:55007E1007',
} as const;
