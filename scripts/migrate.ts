import { applyMigrations } from './local/migrate';

// `npm run db:migrate` applies the committed migrations to DATABASE_URL (production deploys run it).
const url = process.env.DATABASE_URL;
if (!url) {
  console.error('Set DATABASE_URL to the Postgres to migrate.');
  process.exit(1);
}
applyMigrations(url).then(
  () => console.log('Migrations applied.'),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
