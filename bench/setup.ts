import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startTestStack, type TestStack } from '../test/stack/harness';

// Create -> ready (running, setup done) for a repository whose postCreateCommand takes BENCH_SETUP_S
// seconds (default 30): without a prebuild, from the prebuild that first setup left, and beside them a
// bare `git clone` of the same repository on this machine. Goal: from a prebuild <= 3 s and <= 1.5x the
// clone + 1 s.

const SETUP_S = Number(process.env.BENCH_SETUP_S ?? 30);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SetupBench {
  setupSeconds: number;
  coldMs: number;
  prebuildMs: number;
  cloneMs: number;
  fromPrebuild: boolean;
}

export async function benchSetup(t: TestStack): Promise<SetupBench> {
  const user = await t.signUp();
  const org = await t.createOrg(user);
  const origin = t.createOrigin();
  const work = mkdtempSync(join(tmpdir(), 'cw-bench-setup-'));
  t.git(work, 'clone', '-q', origin, '.');
  mkdirSync(join(work, '.devcontainer'));
  writeFileSync(
    join(work, '.devcontainer', 'devcontainer.json'),
    JSON.stringify({
      postCreateCommand: `echo installing; sleep ${SETUP_S}; mkdir -p node_modules && echo ok > node_modules/.installed`,
      postStartCommand: 'echo started',
    }),
  );
  t.git(work, 'add', '.');
  t.git(work, 'commit', '-q', '-m', 'Dev container');
  t.git(work, 'push', '-q', 'origin', 'HEAD:main');
  rmSync(work, { recursive: true, force: true });
  const repositoryId = await t.addRepository(user, org, origin);

  const createReady = async () => {
    const started = performance.now();
    const r = await t.call('/api/workspaces', {
      cookie: user.cookie,
      body: { organizationId: org, repositoryId, branch: 'main' },
    });
    const id = r.json.workspace.id as string;
    for (;;) {
      const ws = (await t.call(`/api/workspaces/${id}`, { cookie: user.cookie })).json.workspace;
      if (ws.status === 'running' && ['succeeded', 'failed', 'none'].includes(ws.setup.status))
        return { ms: performance.now() - started, ws };
      if (ws.status === 'error') throw new Error(ws.statusMessage);
      await sleep(50);
    }
  };
  const snapshots = () => {
    const dir = join(t.dataDir, 'vm-host', 'snapshots');
    return existsSync(dir) ? readdirSync(dir).length : 0;
  };

  const cold = await createReady();
  for (let i = 0; i < 600 && snapshots() === 0; i++) await sleep(100);
  const warm = await createReady();

  const clones: number[] = [];
  for (let i = 0; i < 5; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'cw-bench-clone-'));
    const started = performance.now();
    spawnSync('git', ['clone', '--quiet', '--branch', 'main', `file://${origin}`, join(dir, 'c')]);
    clones.push(performance.now() - started);
    rmSync(dir, { recursive: true, force: true });
  }
  clones.sort((a, b) => a - b);
  return {
    setupSeconds: SETUP_S,
    coldMs: cold.ms,
    prebuildMs: warm.ms,
    cloneMs: clones[2]!,
    fromPrebuild: warm.ws.setup.fromPrebuild === true,
  };
}

export function setupRows(b: SetupBench, f: (n: number) => string): string[][] {
  const goal = Math.min(3000, 1.5 * b.cloneMs + 1000);
  return [
    [
      `create -> ready, postCreateCommand ${b.setupSeconds} s (ms)`,
      `prebuild ${f(b.prebuildMs)}`,
      `no prebuild ${f(b.coldMs)}`,
      `${f(b.prebuildMs / b.coldMs)}x of a cold setup${b.fromPrebuild ? '' : ' (NOT from a prebuild)'}`,
    ],
    [
      'create -> ready from a prebuild vs a bare git clone (ms)',
      f(b.prebuildMs),
      `clone ${f(b.cloneMs)}`,
      `${f(b.prebuildMs / b.cloneMs)}x the clone; goal <= ${f(goal)} ms (<= 3 s and <= 1.5x clone + 1 s) ${b.prebuildMs <= goal ? '✓' : '✗'}`,
    ],
  ];
}

// `npx tsx bench/setup.ts`: this row alone, on a stack of its own.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const t = await startTestStack();
  try {
    const b = await benchSetup(t);
    const f = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2));
    for (const row of setupRows(b, f)) console.log(row.join(' | '));
    console.log(JSON.stringify(b));
  } finally {
    await t.stop();
  }
}
