import type { PageDef } from '../App.js';
import { PupilsPage } from './Pupils.js';
import { CardsPage } from './Cards.js';
import { MenuPage } from './Menu.js';
import { BenefitsPage } from './Benefits.js';
import { StaffPage } from './Staff.js';
import { TillsPage } from './Tills.js';
import { FlagsPage } from './Flags.js';
import { SchoolsPage } from './Schools.js';
import { AccountsPage } from './Accounts.js';
import { MoneyPage } from './Money.js';
import { AuditPage } from './Audit.js';
import { ReportSchoolDayPage } from './ReportSchoolDay.js';
import { ReportDistrictPage } from './ReportDistrict.js';
import { ReportReimbursementPage } from './ReportReimbursement.js';
import { ReportReconciliationPage } from './ReportReconciliation.js';
import { ClassDayPage } from './ClassDay.js';
import { OrderSetupPage } from './OrderSetup.js';
import { OrderCalendarPage } from './OrderCalendar.js';

const ADMINS = ['districtAdmin', 'schoolAdmin'] as const;

/** The console's pages, in the navigation's order. `roles`: who sees the link (the server checks every call anyway). */
export const PAGES: PageDef[] = [
  { id: 'schools', title: 'Школы', component: SchoolsPage, roles: ADMINS },
  { id: 'accounts', title: 'Лицевые счета', component: AccountsPage, roles: [...ADMINS, 'accountant', 'manager', 'classTeacher'] },
  { id: 'class-day', title: 'Заявка класса', component: ClassDayPage, roles: [...ADMINS, 'manager', 'classTeacher'] },
  { id: 'order-setup', title: 'Питание: режим', component: OrderSetupPage, roles: [...ADMINS, 'manager', 'classTeacher', 'accountant'] },
  { id: 'order-calendar', title: 'Календарь', component: OrderCalendarPage, roles: [...ADMINS, 'manager', 'classTeacher', 'accountant'] },
  { id: 'pupils', title: 'Ученики', component: PupilsPage, roles: [...ADMINS, 'classTeacher', 'accountant'] },
  { id: 'cards', title: 'Карты', component: CardsPage, roles: [...ADMINS, 'manager'] },
  { id: 'menu', title: 'Меню', component: MenuPage, roles: [...ADMINS, 'manager', 'nurse'] },
  { id: 'benefits', title: 'Льготы', component: BenefitsPage, roles: [...ADMINS, 'accountant'] },
  { id: 'staff', title: 'Сотрудники', component: StaffPage, roles: ADMINS },
  { id: 'tills', title: 'Кассы', component: TillsPage, roles: [...ADMINS, 'manager'] },
  { id: 'flags', title: 'Отметки для проверки', component: FlagsPage, roles: [...ADMINS, 'accountant'] },
  { id: 'money', title: 'Ручные операции', component: MoneyPage, roles: [...ADMINS, 'accountant'] },
  { id: 'audit', title: 'Журнал действий', component: AuditPage, roles: [...ADMINS, 'accountant'] },
  { id: 'report-day', title: 'День школы', component: ReportSchoolDayPage, roles: [...ADMINS, 'manager', 'accountant'] },
  { id: 'report-district', title: 'Контроль района', component: ReportDistrictPage, roles: ['districtAdmin'] },
  { id: 'report-reimbursement', title: 'Возмещение бюджета', component: ReportReimbursementPage, roles: [...ADMINS, 'accountant'] },
  { id: 'report-reconciliation', title: 'Сверки', component: ReportReconciliationPage, roles: [...ADMINS, 'manager', 'accountant'] },
];
