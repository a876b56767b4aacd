// node guard.mjs <command> [args...]: runs one part of the local stack in a process group of its own
// and takes that whole group down (the part and anything it spawned: workerd, postgres backends) when
//   - the launcher goes away: stdin is a pipe from it, so it closes even on SIGKILL, or we get reparented;
//   - the guard is told to stop (SIGTERM/SIGINT): SIGTERM to the group, SIGKILL after a grace period;
//   - the part exits: its leftovers are killed, and the guard exits with the part's status.
// Plain JavaScript so it starts in milliseconds, with nothing to compile.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

const GRACE_MS = Number(process.env.CW_GUARD_GRACE_MS ?? 5000);
const [command, ...args] = process.argv.slice(2);
const parent = process.ppid;
const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true });
// The supervisor reads this first line to learn the part's own pid.
process.stdout.write(`[guard] pid ${child.pid}\n`);

const group = (signal) => {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
};

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  group('SIGTERM');
  setTimeout(() => group('SIGKILL'), GRACE_MS);
}

child.on('exit', async (code, signal) => {
  // A part that exits must not leave children on its ports or data (a postmaster and its lock file):
  // kill the rest of its group and wait until it is gone, so a restart does not collide with it.
  group('SIGKILL');
  for (let i = 0; i < 100 && groupAlive(); i++) await new Promise((r) => setTimeout(r, 50));
  process.exit(code ?? 128 + (constants.signals[signal] ?? 0));
});

function groupAlive() {
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch {
    return false;
  }
}
child.on('error', (err) => {
  process.stderr.write(`[guard] could not start ${command}: ${err.message}\n`);
  process.exit(127);
});

process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('SIGHUP', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.on('error', stop);
process.stdin.resume();
setInterval(() => {
  if (process.ppid !== parent) stop();
}, 500);
