import pg from 'pg';
import { loadKeyring, open, seal, secretAad } from '../core/secrets/crypto';

// `npm run secrets:rotate`: re-seals every secret not under the first key of SECRETS_ENCRYPTION_KEY
// (docs/secrets.md). Run it after deploying "new,old"; then the old key can be dropped. Prints counts
// and names, never a value.
const url = process.env.DATABASE_URL;
const spec = process.env.SECRETS_ENCRYPTION_KEY;
if (!url || !spec) {
  console.error('Set DATABASE_URL and SECRETS_ENCRYPTION_KEY ("new,old", as deployed).');
  process.exit(1);
}

async function main(databaseUrl: string, keys: string) {
  const ring = await loadKeyring(keys);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      `select id, scope, organization_id, repository_id, user_id, name, key_id, iv, ciphertext
         from secrets where key_id <> $1`,
      [ring.currentId],
    );
    let done = 0;
    const failed: string[] = [];
    for (const r of rows) {
      const owner =
        r.scope === 'organization'
          ? r.organization_id
          : r.scope === 'repository'
            ? r.repository_id
            : r.user_id;
      const aad = secretAad(r.scope, owner, r.name);
      try {
        const value = await open(ring, { keyId: r.key_id, iv: r.iv, ciphertext: r.ciphertext }, aad);
        const sealed = await seal(ring, value, aad);
        // Only if nobody changed it meanwhile (a PUT seals under the new key already).
        const res = await client.query(
          'update secrets set key_id = $1, iv = $2, ciphertext = $3 where id = $4 and key_id = $5',
          [sealed.keyId, sealed.iv, sealed.ciphertext, r.id, r.key_id],
        );
        done += res.rowCount ?? 0;
      } catch {
        failed.push(`${r.scope} ${r.name} (key ${r.key_id})`);
      }
    }
    console.log(`Re-sealed ${done} of ${rows.length} secret(s) under key ${ring.currentId}.`);
    if (failed.length) {
      console.error(`Could not open (is its key in SECRETS_ENCRYPTION_KEY?): ${failed.join(', ')}`);
      process.exitCode = 1;
    }
  } finally {
    await client.end();
  }
}

main(url, spec).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
