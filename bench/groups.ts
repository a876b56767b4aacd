// Viewer groups in child processes (bench/viewers.ts) and the flood they time, shared by the bench
// and its probes.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** A group of viewers in a child process. */
export class Group {
  private constructor(
    private readonly child: ChildProcess,
    readonly count: number,
  ) {}

  static async start(url: string, headers: Record<string, string>, count: number, acks: boolean) {
    const child = fork(
      join(import.meta.dirname, 'viewers.ts'),
      [JSON.stringify({ url, headers, count, acks })],
      {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    const g = new Group(child, count);
    await g.next('ready');
    return g;
  }

  next(type: string): Promise<any> {
    return new Promise((resolve, reject) => {
      const onMsg = (msg: any) => {
        if (msg.type !== type) return;
        this.child.off('message', onMsg);
        this.child.off('exit', onExit);
        resolve(msg);
      };
      const onExit = (code: number) => reject(new Error(`viewer process exited (${code})`));
      this.child.on('message', onMsg);
      this.child.once('exit', onExit);
    });
  }

  send(msg: unknown) {
    this.child.send(msg as never);
  }

  close() {
    if (this.child.connected) this.send({ type: 'close' });
  }
}

let floodNo = 0;
/**
 * `mb` MB of printable output (base64, 76-column lines) typed by the first group's first viewer.
 * Returns, per viewer, from the keystroke to the moment its terminal shows the end marker:
 * - `rates`: MB/s of output bytes it received;
 * - `completion`: MB/s of the program's output it got through, i.e. `mb` over that time. A viewer that
 *   fell behind and was resynchronised with a fresh screen skipped bytes but still reached the end; for
 *   a viewer that kept up both are the same figure (rates is 2.6% higher: base64's newlines as CRLF).
 */
export async function flood(groups: Group[], mb: number) {
  const n = ++floodNo;
  const marker = `FLOOD-${n * 7}-DONE`;
  const cmd = `head -c ${Math.round((mb * 1024 * 1024 * 3) / 4)} /dev/zero | base64 -w 76; echo FLOOD-$((${n}*7))-DONE\r`;
  const armed = groups.map((g) => g.next('armed'));
  const done = groups.map((g) => g.next('done'));
  for (const g of groups) g.send({ type: 'flood', marker });
  await Promise.all(armed);
  const typed = groups[0]!.next('typed');
  groups[0]!.send({ type: 'type', cmd });
  const { at } = await typed;
  const results = (await Promise.all(done)).flatMap((d) => d.results) as {
    bytes: number;
    endAt: number;
    resyncs: number;
  }[];
  return {
    rates: results.map((r) => r.bytes / 1024 / 1024 / ((r.endAt - at) / 1000)),
    completion: results.map((r) => mb / ((r.endAt - at) / 1000)),
    received: results.map((r) => r.bytes / 1024 / 1024),
    resyncs: results.reduce((s, r) => s + r.resyncs, 0),
    seconds: Math.max(...results.map((r) => r.endAt - at)) / 1000,
  };
}

/** Runs a bench entry point and exits: 0 when it finished, 1 with the error when it failed. */
export function runAndExit(main: () => Promise<void>) {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
