import os from 'node:os';
import { mkdirSync } from 'node:fs';
import type { CliCommand } from './types.js';
import { dataDirOf, parseFlags } from './types.js';
import { enrollTerminal } from '../terminal/sync/enroll.js';
import { saveSyncConfig } from '../terminal/sync/config.js';
import { fileTokenStore } from '../terminal/sync/token-store.js';

const USAGE = 'Использование: canteen terminal enroll --server URL --code КОД [--data ПАПКА_КАССЫ]';

/** `canteen terminal enroll`: registers this terminal with the central server (token in a 0600 file). */
export const command: CliCommand = {
  name: 'terminal',
  summary: 'касса: enroll --server URL --code КОД (регистрация на центральном сервере)',
  async run(argv) {
    const { _, flags } = parseFlags(argv);
    if (_[0] !== 'enroll' || typeof flags.server !== 'string' || typeof flags.code !== 'string') {
      console.error(USAGE);
      return 2;
    }
    const dataDir = dataDirOf(flags);
    try {
      const res = await enrollTerminal(flags.server, flags.code, { hostName: os.hostname() });
      mkdirSync(dataDir, { recursive: true });
      // The CLI has no OS key store of its own; the Electron app moves the token and the PIN pepper into safeStorage on its next start.
      const tokens = fileTokenStore(dataDir);
      saveSyncConfig(dataDir, {
        serverUrl: flags.server, token: res.token, terminalId: res.terminalId, terminalName: res.terminalName,
        schoolId: res.schoolId, schoolCode: res.schoolCode, schoolName: res.schoolName, pinPepper: res.pinPepper,
        enrolledAt: new Date().toISOString(),
      }, tokens, fileTokenStore(dataDir, 'pinPepper'));
      console.log(`Касса «${res.terminalName}» (${res.terminalId}) зарегистрирована: ${res.schoolName}. Токен сохранён: ${tokens.description}`);
      return 0;
    } catch (err) {
      console.error(`Регистрация не удалась: ${(err as Error).message}`);
      return 1;
    }
  },
};
