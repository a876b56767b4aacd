import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack, type TestUser } from './harness';
import { TermClient } from './terminal-client';

// Secrets in a real workspace: the three scopes reach shells and execs with personal over repository
// over organization; a change reaches new shells only; no value shows up in the stack's logs.

let t: TestStack;
const logs: string[] = [];
beforeAll(async () => {
  t = await startTestStack({ log: (line) => logs.push(line), extraVars: { LIMIT_WINDOWS: '20' } });
});
afterAll(async () => {
  await t?.stop();
});

const wsUrl = (path: string) => t.stack.url.replace(/^http/, 'ws') + path;
const tag = () => randomUUID().slice(0, 8);

async function put(u: TestUser, path: string, value: string) {
  const r = await t.call(path, { cookie: u.cookie, method: 'PUT', body: { value } });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
}

describe('secrets in a workspace', () => {
  it('reach execs and terminal windows with personal over repository over organization', async () => {
    const { user: owner, org, repositoryId, workspace } = await t.runningWorkspace();
    const mate = await t.addMember(owner, org);
    // The organization's live socket, as the web app listens to it: no value may pass through it.
    const heard: string[] = [];
    const live = new WebSocket(`${t.stack.url.replace('http', 'ws')}/api/organizations/${org}/events`, {
      headers: { cookie: owner.cookie, origin: t.stack.url },
    });
    live.on('message', (data) => heard.push(String(data)));
    await new Promise((resolve, reject) => live.once('open', resolve).once('error', reject));
    const v = { org: `org-${tag()}`, repo: `repo-${tag()}`, own: `own-${tag()}`, mate: `mate-${tag()}` };
    const weird = `it's "quoted" $HOME \`x\` \\ ${tag()}\nsecond line`;
    await put(owner, `/api/organizations/${org}/secrets/A_ONLY`, v.org);
    await put(owner, `/api/organizations/${org}/secrets/IN_REPO`, v.org);
    await put(owner, `/api/organizations/${org}/secrets/EVERYWHERE`, v.org);
    await put(owner, `/api/repositories/${repositoryId}/secrets/IN_REPO`, v.repo);
    await put(owner, `/api/repositories/${repositoryId}/secrets/EVERYWHERE`, v.repo);
    await put(owner, `/api/me/secrets/EVERYWHERE`, v.own);
    await put(owner, `/api/me/secrets/WEIRD`, weird);
    await put(mate, `/api/me/secrets/EVERYWHERE`, v.mate);

    const exec = (u: TestUser, command: string) =>
      t.call(`/api/workspaces/${workspace.id}/exec`, { cookie: u.cookie, body: { command } });
    const show = 'echo "[$A_ONLY|$IN_REPO|$EVERYWHERE]"';
    expect((await exec(owner, show)).json.stdout).toBe(`[${v.org}|${v.repo}|${v.own}]\n`);
    expect((await exec(mate, show)).json.stdout).toBe(`[${v.org}|${v.repo}|${v.mate}]\n`);
    expect((await exec(owner, 'printf %s "$WEIRD"')).json.stdout).toBe(weird);
    expect((await exec(mate, 'printf %s "${WEIRD-unset}"')).json.stdout).toBe('unset');

    // A terminal window is its creator's shell: whoever types in it gets the creator's secrets.
    const window = async (u: TestUser) =>
      (await t.call(`/api/workspaces/${workspace.id}/terminals`, { cookie: u.cookie, body: {} })).json
        .windowId as string;
    const attach = async (u: TestUser, windowId: string) => {
      const c = await TermClient.open(
        wsUrl(`/api/workspaces/${workspace.id}/terminals/${windowId}?cols=120&rows=30`),
        { headers: { cookie: u.cookie, origin: t.stack.url } },
      );
      await c.waitForMessage('screen', 0, 20_000);
      return c;
    };
    const ownersWindow = await window(owner);
    const ownerTerm = await attach(owner, ownersWindow);
    ownerTerm.type(`${show}\r`);
    await ownerTerm.waitForText(`[${v.org}|${v.repo}|${v.own}]`, 15_000);
    ownerTerm.type('printf "<%s>" "$WEIRD" | head -c 400; echo\r');
    await ownerTerm.waitForText(`<${weird.split('\n')[0]}`, 15_000);
    const mateInOwners = await attach(mate, ownersWindow);
    mateInOwners.type(`${show.replace('[', '{').replace(']', '}')}\r`);
    await mateInOwners.waitForText(`{${v.org}|${v.repo}|${v.own}}`, 15_000);
    const matesTerm = await attach(mate, await window(mate));
    matesTerm.type(`${show}\r`);
    await matesTerm.waitForText(`[${v.org}|${v.repo}|${v.mate}]`, 15_000);

    // A changed secret reaches new shells and execs; a running shell keeps what it started with.
    const changed = `changed-${tag()}`;
    await put(owner, `/api/organizations/${org}/secrets/A_ONLY`, changed);
    expect((await exec(owner, 'echo "$A_ONLY"')).json.stdout).toBe(`${changed}\n`);
    // A changed personal secret too, by the command endpoint, and it stays its owner's.
    const mine = `mine-${tag()}`;
    await put(owner, '/api/me/secrets/EVERYWHERE', mine);
    const viaCommand = await t.call('/api/cloud-workspace/command', {
      cookie: owner.cookie,
      body: { workspaceId: workspace.id, command: 'echo "$EVERYWHERE"' },
    });
    expect(viaCommand.json.stdout).toBe(`${mine}\n`);
    expect((await exec(mate, 'echo "$EVERYWHERE"')).json.stdout).toBe(`${v.mate}\n`);
    ownerTerm.type('echo "still:$A_ONLY"\r');
    await ownerTerm.waitForText(`still:${v.org}`, 15_000);
    const fresh = await attach(owner, await window(owner));
    fresh.type('echo "new:$A_ONLY"\r');
    await fresh.waitForText(`new:${changed}`, 15_000);
    await t.call(`/api/organizations/${org}/secrets/A_ONLY`, { cookie: owner.cookie, method: 'DELETE' });
    expect((await exec(owner, 'echo "${A_ONLY-gone}"')).json.stdout).toBe('gone\n');

    // The files that carried the shells' environment are gone once they started.
    expect((await exec(owner, 'ls -a /tmp | grep -c cw-env || true')).json.stdout).toBe('0\n');
    for (const c of [ownerTerm, mateInOwners, matesTerm, fresh]) c.close();

    // Nothing the stack logged, no answer and no audit row carries a value.
    const audit = await t.call(`/api/organizations/${org}/audit`, { cookie: owner.cookie });
    const listed = await Promise.all(
      [
        `/api/organizations/${org}/secrets`,
        `/api/repositories/${repositoryId}/secrets`,
        '/api/me/secrets',
      ].map((p) => t.call(p, { cookie: owner.cookie })),
    );
    live.close();
    expect(heard.length).toBeGreaterThan(0);
    const seen = [
      logs.join('\n'),
      JSON.stringify(audit.json),
      JSON.stringify(listed.map((r) => r.json)),
      heard.join('\n'),
    ];
    for (const value of [...Object.values(v), changed, mine, weird.split('\n')[0]!]) {
      for (const text of seen) expect(text).not.toContain(value);
    }
  }, 180_000);

  it('re-seals every row under a new key with npm run secrets:rotate, and back', async () => {
    const { user, org, workspace } = await t.runningWorkspace();
    const value = `rotated-${tag()}`;
    await put(user, `/api/organizations/${org}/secrets/ROTATED`, value);
    const current = JSON.parse(readFileSync(join(t.dataDir, 'secrets.json'), 'utf8')).secretsEncryptionKey;
    const next = randomBytes(32).toString('base64');
    const keyIds = async () => {
      const client = new pg.Client({ connectionString: t.stack.databaseUrl });
      await client.connect();
      try {
        return (await client.query('select distinct key_id from secrets')).rows.map((r) => r.key_id);
      } finally {
        await client.end();
      }
    };
    const rotate = (keys: string) =>
      execFileSync('npx', ['tsx', 'scripts/rotate-secrets.ts'], {
        env: { ...process.env, DATABASE_URL: t.stack.databaseUrl, SECRETS_ENCRYPTION_KEY: keys },
        encoding: 'utf8',
      });
    const before = await keyIds();
    expect(rotate(`${next},${current}`)).toMatch(/^Re-sealed [1-9]\d* of [1-9]\d* secret\(s\) under key/);
    const after = await keyIds();
    expect(after).toHaveLength(1);
    expect(before).not.toContain(after[0]);
    // Back under the stack's own key, which the Worker opens.
    rotate(`${current},${next}`);
    expect(await keyIds()).toEqual(before);
    const r = await t.call(`/api/workspaces/${workspace.id}/exec`, {
      cookie: user.cookie,
      body: { command: 'echo "$ROTATED"' },
    });
    expect(r.json.stdout).toBe(`${value}\n`);
  }, 120_000);
});
