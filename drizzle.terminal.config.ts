import { defineConfig } from 'drizzle-kit';

// Terminal (SQLite) migrations: `npx drizzle-kit generate --config drizzle.terminal.config.ts`.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/terminal/db/schema.ts',
  out: './migrations/terminal',
});
