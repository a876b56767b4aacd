import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

// One part of the local stack (Postgres, the database proxy, the VM host, wrangler dev) in a process of
// its own under `guard.mjs`: restarted when it dies, with a line saying what died and why, and never
// outliving the launcher (the guard takes its process group down when the launcher's pipe closes).

const guardPath = fileURLToPath(new URL('./guard.mjs', import.meta.url));

export interface PartOptions {
  name: string;
  /** The program and its arguments (usually `process.execPath` and a script). */
  command: string;
  args: string[];
  env?: Record<string, string | undefined>;
  /** Resolves once the part serves; rejects (or times out) when it cannot. Called on every start. */
  ready(part: Part): Promise<void>;
  log: (line: string) => void;
  onOutput?: (line: string) => void;
  /**
   * Answers while the part works; a part that stops answering (frozen, deadlocked) is killed and
   * restarted after `HUNG_AFTER_CHECKS` failed checks in a row.
   */
  alive?: () => Promise<boolean>;
  /** Failed checks in a row before a part counts as hung (default 3, one every 3 s). */
  hungAfterChecks?: number;
  /** Restart when it dies (default true). */
  restart?: boolean;
  graceMs?: number;
}

export interface Part {
  readonly name: string;
  /** The part's own pid (not the guard's); undefined while it is down. */
  readonly pid: number | undefined;
  /** Recent output, for error messages. */
  readonly output: string[];
  /** Times it was restarted after dying. */
  readonly restarts: number;
  /** Starts it (again) and waits until it is ready. */
  start(): Promise<void>;
  /** Stops it on purpose: it is not restarted. */
  stop(): Promise<void>;
  /** Fails as soon as the current process exits (used while waiting for readiness). */
  exited(): Promise<never>;
}

const BACKOFF_MS = [250, 1000, 2000, 5000, 10_000];
const CHECK_EVERY_MS = 3000;
const CHECK_TIMEOUT_MS = 2500;
const HUNG_AFTER_CHECKS = 3;
/** A part that ran this long before dying starts its backoff over. */
const HEALTHY_AFTER_MS = 30_000;

// ANSI colours and wrangler's "logs were written to" line say nothing about why a part died.
const ANSI = /\x1b\[[0-9;]*m/g;
const NOISE = /^🪵|^\s*(✘\s*)?\[ERROR\]\s*$|^\s*stack:/;

/** The part's last few meaningful lines, on one line. */
function lastWords(output: string[]): string {
  const lines = output.map((l) => l.replace(ANSI, '').trim()).filter((l) => l && !NOISE.test(l));
  const text = lines.slice(-3).join(' | ');
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `killed by ${signal}`;
  if (code !== null && code > 128) {
    const name = Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0];
    return `killed by ${name ?? `signal ${code - 128}`}`;
  }
  return `exited with code ${code}`;
}

export function createPart(opts: PartOptions): Part {
  let guard: ChildProcess | undefined;
  let pid: number | undefined;
  let wanted = false;
  let restarts = 0;
  let failures = 0;
  let startedAt = 0;
  let exitPromise: Promise<never> | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  const output: string[] = [];

  const remember = (line: string) => {
    output.push(line);
    if (output.length > 50) output.shift();
  };

  function spawnOnce(): ChildProcess {
    const child = spawn(process.execPath, [guardPath, opts.command, ...opts.args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
      // Its own process group: Ctrl-C in the terminal reaches the launcher only, which stops parts in order.
      detached: true,
    });
    startedAt = Date.now();
    output.length = 0;
    let buffered = '';
    const onData = (buf: Buffer) => {
      buffered += buf.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const announced = line.match(/^\[guard\] pid (\d+)$/);
        if (announced) {
          pid = Number(announced[1]);
          continue;
        }
        if (!line.trim()) continue;
        remember(line);
        opts.onOutput?.(line);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    exitPromise = new Promise<never>((_, reject) => {
      child.once('exit', (code, signal) => {
        pid = undefined;
        const why = describeExit(code, signal);
        reject(new Error(`${opts.name} ${why}:\n${output.slice(-15).join('\n')}`));
        if (guard === child) guard = undefined;
        if (wanted && opts.restart !== false) scheduleRestart(why);
      });
    });
    exitPromise.catch(() => {});
    return child;
  }

  function scheduleRestart(why: string) {
    if (Date.now() - startedAt > HEALTHY_AFTER_MS) failures = 0;
    const delay = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)]!;
    failures++;
    const last = lastWords(output);
    opts.log(
      `[supervisor] ${opts.name} died (${why})${last ? `; it said: ${last}` : ''}. Restarting in ${delay} ms.`,
    );
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (!wanted) return;
      restarts++;
      launch().then(
        () => opts.log(`[supervisor] ${opts.name} is back (pid ${pid}).`),
        (err) => {
          opts.log(`[supervisor] ${opts.name} did not come back: ${(err as Error).message.split('\n')[0]}`);
          guard?.kill('SIGTERM'); // a hung start is killed; its exit schedules the next attempt
        },
      );
    }, delay);
  }

  async function launch() {
    const child = (guard = spawnOnce());
    await Promise.race([opts.ready(part), exitPromise!]);
    if (opts.alive) watch(child, opts.alive);
  }

  /** Kills a part that stops answering, so the exit handler restarts it. */
  function watch(child: ChildProcess, alive: () => Promise<boolean>) {
    let misses = 0;
    const timer = setInterval(async () => {
      if (guard !== child || !wanted) return clearInterval(timer);
      const ok = await Promise.race([
        alive().catch(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(false), CHECK_TIMEOUT_MS)),
      ]);
      misses = ok ? 0 : misses + 1;
      if (misses < (opts.hungAfterChecks ?? HUNG_AFTER_CHECKS) || guard !== child) return;
      clearInterval(timer);
      opts.log(
        `[supervisor] ${opts.name} stopped answering (${misses} checks in ${(misses * CHECK_EVERY_MS) / 1000} s); killing it.`,
      );
      // The part's group, then its guard: even a stopped (frozen) process dies of SIGKILL.
      for (const group of [pid, child.pid]) {
        try {
          if (group) process.kill(-group, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }, CHECK_EVERY_MS);
    timer.unref();
  }

  const part: Part = {
    name: opts.name,
    get pid() {
      return pid;
    },
    output,
    get restarts() {
      return restarts;
    },
    async start() {
      wanted = true;
      if (guard) return;
      try {
        await launch();
      } catch (err) {
        // A part that cannot start at all (port taken, bad data directory) is an error to report,
        // not something to retry forever.
        await part.stop();
        throw err;
      }
    },
    async stop() {
      wanted = false;
      if (restartTimer) clearTimeout(restartTimer);
      const child = guard;
      if (!child || child.exitCode !== null || child.signalCode) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM'); // the guard passes it on to the part's whole group
        setTimeout(() => child.kill('SIGKILL'), (opts.graceMs ?? 5000) + 2000).unref();
      });
    },
    exited: () => exitPromise ?? Promise.reject(new Error(`${opts.name} is not running`)),
  };
  return part;
}

/** Polls `probe` until it returns true, the part exits, or the time is up. */
export async function waitUntil(part: Part, what: string, probe: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  const exited = part.exited();
  while (Date.now() < deadline) {
    const ok = await Promise.race([probe().catch(() => false), exited]);
    if (ok) return;
    await Promise.race([new Promise((r) => setTimeout(r, 150)), exited]);
  }
  throw new Error(
    `${part.name} did not ${what} within ${timeoutMs} ms:\n${part.output.slice(-15).join('\n')}`,
  );
}

/** Resolves when the part prints a line matching `pattern`. */
export function waitForLine(part: Part, pattern: RegExp, timeoutMs = 60_000) {
  return waitUntil(part, `print ${pattern}`, async () => part.output.some((l) => pattern.test(l)), timeoutMs);
}
