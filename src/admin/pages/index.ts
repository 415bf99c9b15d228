import type { PageDef } from '../App.js';
import { Placeholder } from './Placeholder.js';

/** The console's pages, in the navigation's order. `roles`: who sees the link (the server checks every call anyway). */
export const PAGES: PageDef[] = [
  { id: 'schools', title: 'Школы', component: Placeholder },
  { id: 'accounts', title: 'Лицевые счета', component: Placeholder },
  { id: 'pupils', title: 'Ученики', component: Placeholder },
  { id: 'cards', title: 'Карты', component: Placeholder },
  { id: 'menu', title: 'Меню', component: Placeholder },
  { id: 'benefits', title: 'Льготы', component: Placeholder },
  { id: 'staff', title: 'Сотрудники', component: Placeholder },
  { id: 'tills', title: 'Кассы', component: Placeholder },
  { id: 'flags', title: 'Отметки для проверки', component: Placeholder },
  { id: 'money', title: 'Ручные операции', component: Placeholder },
  { id: 'audit', title: 'Журнал действий', component: Placeholder },
];
