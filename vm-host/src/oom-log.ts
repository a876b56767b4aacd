import { closeSync, constants, openSync, readFileSync, readSync } from 'node:fs';

// The kernel counts OOM kills per cgroup (memory.oom_control) but names the victim only in its log:
// `oom-kill:constraint=CONSTRAINT_MEMCG,...,task_memcg=/x/vm-host/<vmId>,task=node,pid=123,uid=0`.
// /dev/kmsg is read without blocking, only when a VM's counter moved, so nothing runs in between.

export interface OomKill {
  process: string;
  pid: number;
  /** ISO time, from the record's boot-relative timestamp. */
  at: string;
}

const LINE = /oom-kill:.*?task_memcg=([^,]*),task=([^,]*),pid=(\d+)/;

export class OomLog {
  private fd: number | undefined | null;
  private readonly byCgroup = new Map<string, OomKill[]>();
  /** Record timestamps count from boot. */
  private readonly bootMs = Date.now() - uptimeMs();

  /** Reads every record logged since the last call; false when the log cannot be read here. */
  private drain(): boolean {
    if (this.fd === undefined) {
      try {
        this.fd = openSync('/dev/kmsg', constants.O_RDONLY | constants.O_NONBLOCK);
      } catch {
        this.fd = null;
      }
    }
    if (this.fd === null) return false;
    const buf = Buffer.alloc(8192);
    for (let i = 0; i < 100_000; i++) {
      let n: number;
      try {
        n = readSync(this.fd, buf, 0, buf.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') continue; // records were overwritten before we read them: go on
        break; // EAGAIN: nothing more
      }
      if (n <= 0) break;
      const record = buf.toString('utf8', 0, n);
      const m = LINE.exec(record);
      if (!m) continue;
      const usec = Number(record.split(',')[2]);
      const kill = {
        process: m[2]!,
        pid: Number(m[3]),
        at: new Date(this.bootMs + usec / 1000).toISOString(),
      };
      const list = this.byCgroup.get(m[1]!) ?? [];
      list.push(kill);
      this.byCgroup.set(m[1]!, list.slice(-20));
    }
    return true;
  }

  /** The latest kill in the memory cgroup `path` (as the kernel writes it), if the log names one. */
  lastKill(path: string): OomKill | undefined {
    this.drain();
    return this.byCgroup.get(path)?.at(-1);
  }

  close() {
    if (typeof this.fd === 'number') closeSync(this.fd);
    this.fd = null;
  }
}

function uptimeMs(): number {
  try {
    return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000;
  } catch {
    return 0;
  }
}
