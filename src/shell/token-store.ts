/**
 * The till's server config and token store as the shells see them: Electron's safeStorage
 * store (electron/token-store.ts) builds on these, and electron/ imports only the shell.
 * The database key's file store too (electron/db-key-store.ts wraps it the same way).
 */
export { readSyncConfigFile, writeFile0600, writeSyncConfigFile } from '../terminal/sync/config.js';
export { fileTokenStore, type SecretField, type TokenStore } from '../terminal/sync/token-store.js';
export { fileDbKeyStore } from '../terminal/db/cipher.js';
