import { readFileSync } from 'node:fs';
import { STAFF_ROLES, ROLE_NAMES, type StaffRole } from '../api/admin/common.js';
import type { DbHandle } from '../server/db/open.js';

/**
 * `canteen server staff add|list|pin|deactivate`: the same service functions
 * as the admin API (src/server/staff/staff.ts), acting as the command line
 * (audited as "cli:<os user>", may do anything: the first district admin and
 * recovery). A secret given as "-" is read from the first line of stdin, so it
 * stays out of the shell history.
 */
export const STAFF_HELP = `  canteen server staff add [ШКОЛА] "ФИО" --role РОЛЬ [--login ЛОГИН --password ПАРОЛЬ|-] [--pin ПИН|-] [--classes 3Б,4А]
      роли: ${STAFF_ROLES.join(', ')} (districtAdmin — без школы)
  canteen server staff list [ШКОЛА]                           сотрудники (все или одной школы)
  canteen server staff pin ID|ЛОГИН ПИН|-                     задать/сбросить ПИН кассы (кассы школы получат его при синхронизации)
  canteen server staff deactivate ID|ЛОГИН                    отключить: вход закрыт сразу, кассы — при следующей синхронизации`;

function secret(v: string | true | undefined): string | undefined {
  if (v === '-') return readFileSync(0, 'utf8').split(/\r?\n/)[0];
  return typeof v === 'string' ? v : undefined;
}

export async function staffCommand(h: DbHandle, args: string[], flags: Record<string, string | true>, operator: string): Promise<number> {
  const { createStaff, listStaff, setStaffPin, deactivateStaff, getStaff, staffView } = await import('../server/staff/staff.js');
  const { requireSchool } = await import('../server/admin/schools.js');
  const { staff } = await import('../server/db/staff-schema.js');
  const { eq, or } = await import('drizzle-orm');
  const actor = { staffId: null, name: `cli:${operator}`, grants: null };
  const [op, ...rest] = args;
  const find = async (ref: string) => {
    const [row] = await h.db.select().from(staff).where(or(eq(staff.id, ref), eq(staff.login, ref.toLowerCase())));
    return row ?? getStaff(h.db, ref);
  };
  switch (op) {
    case 'add': {
      const role = flags.role as StaffRole;
      if (!STAFF_ROLES.includes(role)) { console.error(`Укажите роль: --role ${STAFF_ROLES.join('|')}`); return 2; }
      const [schoolRef, name] = role === 'districtAdmin' ? [undefined, rest.join(' ')] : [rest[0], rest.slice(1).join(' ')];
      if (!name || (role !== 'districtAdmin' && !schoolRef)) { console.error('Использование: canteen server staff add ШКОЛА "ФИО" --role РОЛЬ …'); return 2; }
      const schoolId = schoolRef ? (await requireSchool(h.db, schoolRef)).id : null;
      const classNames = typeof flags.classes === 'string' ? flags.classes.split(',').map((c) => c.trim()).filter(Boolean) : null;
      const password = secret(flags.password);
      const pin = secret(flags.pin);
      const row = await h.db.transaction((tx) => createStaff(tx, actor, {
        fullName: name, login: typeof flags.login === 'string' ? flags.login.toLowerCase() : null,
        ...(password ? { password } : {}), ...(pin ? { pin } : {}),
        grants: [{ role, schoolId, classNames: role === 'classTeacher' ? classNames : null }],
      }));
      console.log(`Добавлен: ${row.fullName} — ${ROLE_NAMES[role]}${row.login ? `, логин ${row.login}` : ''}${row.pinHash ? ', ПИН задан' : ''} (id ${row.id})`);
      return 0;
    }
    case 'list': {
      const schoolId = rest[0] ? (await requireSchool(h.db, rest[0])).id : null;
      const rows = await listStaff(h.db, schoolId ? [schoolId] : null);
      for (const r of rows.map(staffView)) {
        const roles = r.grants.map((g) => `${ROLE_NAMES[g.role]}${g.schoolId ? ` (${g.schoolId}${g.classNames ? `: ${g.classNames.join(', ')}` : ''})` : ''}`).join('; ');
        console.log(`${r.id}  ${r.fullName}${r.login ? `  [${r.login}]` : ''}  ${roles}${r.hasPin ? '  ПИН' : ''}${r.active ? '' : '  ОТКЛЮЧЁН'}`);
      }
      if (rows.length === 0) console.log('Сотрудников нет.');
      return 0;
    }
    case 'pin': {
      const pin = secret(rest[1] === '-' ? '-' : rest[1]);
      if (!rest[0] || !pin) { console.error('Использование: canteen server staff pin ID|ЛОГИН ПИН'); return 2; }
      const person = await find(rest[0]);
      await h.db.transaction((tx) => setStaffPin(tx, actor, person.id, pin));
      console.log(`ПИН для ${person.fullName} задан; кассы школы получат его при следующей синхронизации.`);
      return 0;
    }
    case 'deactivate': {
      if (!rest[0]) { console.error('Использование: canteen server staff deactivate ID|ЛОГИН'); return 2; }
      const person = await find(rest[0]);
      await h.db.transaction((tx) => deactivateStaff(tx, actor, person.id));
      console.log(`${person.fullName} отключён(а): вход закрыт, кассы перестанут принимать ПИН после синхронизации.`);
      return 0;
    }
    default:
      console.error(STAFF_HELP);
      return 2;
  }
}
