// The environment of SSH sessions (docs/ssh.md). Each SSH grant gets its own Linux user in the VM, an
// alias of root (uid 0, home /root) whose login shell and environment file live under
// /run/cw-ssh/<user>/ (a tmpfs: never in a snapshot's disk, never in the clone). The identity may log
// in only as that user (allowedLinuxUsers), so the gateway starting "that user's login shell" is what
// picks the grant's file; the shell sources it, then becomes root's own bash. Everything here runs
// through the VM API's exec, as root; the values travel only in exec's stdin.

export const SSH_ENV_DIR = '/run/cw-ssh';
const USER = /^cw-ssh-[0-9a-f]{12}$/;

/** A fresh Linux user name for one grant (`cw-ssh-` + 12 hex: 19 chars, a valid user name). */
export function newSshLinuxUser(): string {
  const b = crypto.getRandomValues(new Uint8Array(6));
  return `cw-ssh-${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`;
}

export const isSshLinuxUser = (u: string) => USER.test(u);

function checked(users: string[]): string[] {
  for (const u of users) if (!USER.test(u)) throw new Error(`not an SSH grant user: ${u}`);
  return users;
}

/** Exit status of the script on a VM host that runs VM processes unisolated (nothing is written). */
export const UNISOLATED_EXIT = 3;

/**
 * A script that removes every grant's files and passwd line except `keep`'s, then (with `add`) installs
 * `add`: its environment file is the script's stdin. Idempotent; safe to run again after a failure.
 */
export function sshGrantsScript(keep: string[], add?: string): string {
  const all = checked(add ? [...keep, add] : keep);
  const list = ` ${all.join(' ')} `;
  const lines = [
    'set -e',
    // The local VM host's degraded mode runs "VM" processes on the host itself: touch nothing there.
    `[ -z "$VMHOST_UNISOLATED" ] || exit ${UNISOLATED_EXIT}`,
    'umask 077',
    `D=${SSH_ENV_DIR}`,
    'mkdir -p "$D"',
    'if command -v flock >/dev/null; then exec 9>"$D/.lock"; flock 9; fi',
    `keep='${list}'`,
    'for x in "$D"/cw-ssh-*; do',
    '  [ -e "$x" ] || continue',
    '  case "$keep" in *" ${x##*/} "*) ;; *) rm -rf "$x" ;; esac',
    'done',
    // passwd without other grants' lines; replaced by a rename where /etc is writable (atomic), else
    // rewritten in place (a single bind-mounted file, as on the local VM host); untouched if unchanged.
    `filter() { awk -F: -v keep="$keep" '$1 !~ /^cw-ssh-[0-9a-f]+$/ || index(keep, " " $1 " ")' /etc/passwd; }`,
    'T=/etc/.passwd.cw-ssh',
    'if filter 2>/dev/null >"$T"; then',
    '  if cmp -s "$T" /etc/passwd; then rm -f "$T"; else chmod 644 "$T"; mv -f "$T" /etc/passwd; fi',
    'else',
    '  rm -f "$T"; T="$D/.passwd"; filter >"$T"',
    '  cmp -s "$T" /etc/passwd || cat "$T" >/etc/passwd',
    '  rm -f "$T"',
    'fi',
  ];
  if (add) {
    const home = `${SSH_ENV_DIR}/${add}`;
    lines.push(
      `H=${home}`,
      'rm -rf "$H"; mkdir "$H"',
      'cat >"$H/env"',
      `cat >"$H/shell" <<'CW_EOF'\n${loginShell(home)}CW_EOF`,
      'chmod 700 "$H/shell"',
      `grep -q '^${add}:' /etc/passwd || echo '${add}:x:0:0:Cloud Workspaces SSH grant:/root:${home}/shell' >>/etc/passwd`,
    );
  }
  return lines.join('\n');
}

/** Where each live SSH session of a grant keeps its marker (`<user>.<pid>`): no value, only times. */
export const SSH_SESSIONS_DIR = `${SSH_ENV_DIR}/.s`;
/** How often a session's watcher rewrites its marker; one older than SSH_SESSION_STALE_S is gone. */
const WATCH_S = 2;
export const SSH_SESSION_STALE_S = 6;

/**
 * The grant's login shell: sshd's contract is `shell -l`/`-shell` for a login, `shell -c cmd` for a
 * command. It marks its session for the room's presence scan (sshSessionsScript): CW_SSH_USER in the
 * session's processes, and a marker file a small watcher rewrites every WATCH_S with the times of the
 * session's terminal (its atime moves with input, as `w` reads it). The shell runs bash as a child
 * (not exec) so that it removes the marker the moment the session ends.
 */
function loginShell(home: string): string {
  const user = home.slice(home.lastIndexOf('/') + 1);
  return [
    '#!/bin/bash',
    "# One SSH grant's login shell (Cloud Workspaces): its environment, then root's own bash.",
    `if [ -r ${home}/env ]; then . ${home}/env`,
    "else echo 'cw: this SSH access lost its environment (the VM restarted); connect again for a fresh one' >&2; fi",
    `export HOME=/root USER=root LOGNAME=root SHELL=/bin/bash CW_SSH_USER=${user}`,
    `S=${SSH_SESSIONS_DIR}/${user}.$$ W=`,
    `if mkdir -p ${SSH_SESSIONS_DIR} 2>/dev/null; then`,
    '  if [ -t 0 ]; then T=1; else T=; fi',
    '  (',
    "    trap '' HUP INT QUIT",
    '    while kill -0 $$ 2>/dev/null; do',
    '      if [ -n "$T" ]; then t=$(stat -L -c \'%X %Y\' /proc/$$/fd/0 2>/dev/null); else t=; fi',
    '      echo "${t:-run}" >"$S" 2>/dev/null',
    `      sleep ${WATCH_S}`,
    '    done',
    '  ) </dev/null >/dev/null 2>&1 &',
    '  W=$!',
    'fi',
    `trap '[ -z "$W" ] || { kill $W; wait $W; } 2>/dev/null; rm -f "$S"' EXIT`,
    "trap 'exit 129' HUP",
    "trap 'exit 143' TERM",
    'case "$0" in -*) (exec -a -bash /bin/bash "$@") ;; *) /bin/bash "$@" ;; esac',
    '',
  ].join('\n');
}

/**
 * The room's presence scan (room/ssh-presence.ts): one line `now <epoch s>`, then per live marker
 * `<user>.<pid> <marker mtime> <tty atime> <tty mtime>` or `... run` (a command without a terminal).
 * Markers gone stale (the session was killed) are removed. Then `lost <user>` for each of `users` (the
 * live grants) whose files are gone: the VM restarted (/run is a tmpfs) and the room writes them again.
 * Reads no environment: no value is printed.
 */
export function sshSessionsScript(users: string[] = []): string {
  return [
    'n=$(date +%s); echo "now $n"',
    ...checked(users).map(
      (u) => `[ -r ${SSH_ENV_DIR}/${u}/env ] && [ -x ${SSH_ENV_DIR}/${u}/shell ] || echo "lost ${u}"`,
    ),
    `for f in ${SSH_SESSIONS_DIR}/cw-ssh-*; do`,
    '  [ -f "$f" ] || continue',
    '  m=$(stat -c %Y "$f" 2>/dev/null) || continue',
    `  if [ $((n - m)) -gt ${SSH_SESSION_STALE_S * 10} ]; then rm -f "$f"; continue; fi`,
    '  read -r t <"$f" 2>/dev/null || t=run',
    '  echo "${f##*/} $m ${t:-run}"',
    'done',
    'exit 0',
  ].join('\n');
}

export interface SshSessionSeen {
  /** `<user>.<pid>` */
  key: string;
  linuxUser: string;
  /** The last input or output on its terminal (epoch s), or null for a command without one. */
  ttyAt: number | null;
}

/** Parses sshSessionsScript's output: the live sessions, the VM's clock (epoch s), the users whose files are lost. */
export function parseSshSessions(out: string): { now: number; sessions: SshSessionSeen[]; lost: string[] } {
  let now = 0;
  const sessions: SshSessionSeen[] = [];
  const lost: string[] = [];
  for (const line of out.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'now') now = Number(f[1]) || 0;
    if (f[0] === 'lost' && f[1] && USER.test(f[1]) && f.length === 2) lost.push(f[1]);
  }
  for (const line of out.split('\n')) {
    const [key, m, a, b] = line.trim().split(/\s+/);
    if (!key || key === 'now') continue;
    const linuxUser = key.split('.')[0]!;
    if (!USER.test(linuxUser) || !/^\d+$/.test(key.slice(linuxUser.length + 1))) continue;
    // Marker not rewritten lately: the watcher was killed with its session.
    if (!(now - Number(m) <= SSH_SESSION_STALE_S)) continue;
    const ttyAt = a === 'run' ? null : Math.max(Number(a) || 0, Number(b) || 0);
    sessions.push({ key, linuxUser, ttyAt });
  }
  return { now, sessions, lost };
}
