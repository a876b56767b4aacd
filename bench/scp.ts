import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, sshOptions } from '../vm-host/test/ssh-client';
import type { TestStack, TestUser } from '../test/stack/harness';

// `scp` of a file into and out of the workspace with Debian's OpenSSH (SFTP since OpenSSH 9) through
// the gateway, timed from the command's start to its exit; shown beside the terminal's flood
// throughput (the other way bytes leave a VM). The copies are checked by sha256, outside the timing.

const SCP_MB = Number(process.env.BENCH_SCP_MB ?? 100);

export interface ScpBench {
  mb: number;
  upMBs: number;
  downMBs: number;
  identical: boolean;
}

const sha256 = (file: string) =>
  new Promise<string>((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });

export async function benchScp(t: TestStack, user: TestUser, workspace: { id: string }): Promise<ScpBench> {
  const dir = mkdtempSync(join(tmpdir(), 'cw-bench-scp-'));
  try {
    const src = join(dir, 'up.bin');
    const back = join(dir, 'down.bin');
    // Random bytes: SSH compression (off by default) or any cache could not make them cheaper.
    writeFileSync(src, randomBytes(SCP_MB * 1048576));
    const a = (await t.call(`/api/workspaces/${workspace.id}/ssh`, { cookie: user.cookie, body: {} })).json;
    const opts = sshOptions(a.port, a.user);
    const timed = async (args: string[]) => {
      const started = performance.now();
      const r = await run('scp', [...opts, '-q', ...args], 600_000);
      if (r.code !== 0) throw new Error(`scp ${args.join(' ')}: ${r.code} ${r.stderr}`);
      return SCP_MB / ((performance.now() - started) / 1000);
    };
    console.log(`scp ${SCP_MB} MB in and out...`);
    const upMBs = await timed([src, `${a.host}:/tmp/bench-scp.bin`]);
    const downMBs = await timed([`${a.host}:/tmp/bench-scp.bin`, back]);
    const identical = (await sha256(src)) === (await sha256(back));
    await run('ssh', [...opts, a.host, 'rm -f /tmp/bench-scp.bin']);
    return { mb: SCP_MB, upMBs, downMBs, identical };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function scpRows(s: ScpBench, terminalMBs: number, f: (n: number) => string): string[][] {
  const check = s.identical ? 'sha256 identical' : 'COPY DIFFERS';
  return [
    [
      `scp ${s.mb} MB into / out of the workspace (MB/s)`,
      `${f(s.upMBs)} / ${f(s.downMBs)}`,
      `terminal ${f(terminalMBs)}`,
      `${f(s.upMBs / terminalMBs)}x / ${f(s.downMBs / terminalMBs)}x the terminal's flood throughput; ${check}`,
    ],
  ];
}
