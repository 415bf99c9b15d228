import { api, setCsrf } from './api.js';

/** The signed-in staff member as the console sees them (the server decides what they may do). */
export interface Me { id: string; name: string; login: string; role: string; schoolIds: string[]; csrf?: string }

export const ROLE_NAMES: Record<string, string> = {
  districtAdmin: 'Администратор района', schoolAdmin: 'Администратор школы', manager: 'Заведующий производством',
  cashier: 'Кассир', classTeacher: 'Классный руководитель', accountant: 'Бухгалтер', nurse: 'Медсестра',
};

export async function whoAmI(): Promise<Me | null> {
  try {
    const me = await api<Me>('GET', '/auth/me');
    setCsrf(me.csrf);
    return me;
  } catch { return null; }
}

export async function logout(): Promise<void> {
  await api('POST', '/auth/logout', {}).catch(() => undefined);
  setCsrf(undefined);
}
