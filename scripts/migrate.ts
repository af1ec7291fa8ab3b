/**
 * pnpm db:migrate: applies the committed migrations to DATABASE_URL and seeds the
 * departments, the taxonomy and the first dispatch catalogue (idempotent). What a deployment
 * runs once before the services start (the `migrate` job of infra/). Creates no API keys:
 * use `pnpm api-key` for those.
 */
import { createDatabase, migrateDatabase, seedCatalogue } from '@hotline/db';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hotline';
await migrateDatabase(url);
const database = createDatabase(url, { max: 1 });
try {
  await seedCatalogue(database.db);
} finally {
  await database.close();
}
console.log(`migrated and seeded ${url.replace(/\/\/[^@/]*@/, '//…@')}`);
