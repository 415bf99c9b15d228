import { defineConfig } from 'drizzle-kit';

// Server (PostgreSQL/PGlite) migrations: `npx drizzle-kit generate --config drizzle.server.config.ts`.
// 0001 is a custom migration (`--custom`): it turns `entries` into a partitioned table.
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/server/db/schema.ts', './src/server/db/cabinet-schema.ts', './src/server/db/staff-schema.ts', './src/server/db/payments-schema.ts', './src/server/db/orders-schema.ts', './src/server/db/reports-schema.ts', './src/server/db/releases-schema.ts', './src/server/db/served-schema.ts'],
  out: './migrations/server',
});
