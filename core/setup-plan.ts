import type { DevcontainerProblem } from './api/setup';
import {
  commandScript,
  describeCommand,
  type DevcontainerResult,
  type LifecycleCommand,
} from './devcontainer';
import { shellQuote } from './shell';
import { VM_WORKSPACE_PATH } from './vm/types';

// What a workspace runs in its Setup window: on create the repository's postCreateCommand (or, without a
// devcontainer.json, the setup command of its settings) then postStartCommand; on a start from stopped,
// or from a prebuilt snapshot, postStartCommand alone.

export type SetupPhase = 'create' | 'start';

export interface SetupPlan {
  /** Bash, run in the Setup window; null when there is nothing to run. */
  script: string | null;
  /** How it reads: "npm ci && npm run build". */
  command: string | null;
  env: Record<string, string>;
  forwardPorts: number[];
  portLabels: Record<string, string>;
  problem?: DevcontainerProblem;
}

const step = (label: string, cmd: LifecycleCommand) => [
  `printf '\\033[1m$ %s\\033[0m\\n' ${shellQuote(`${label}: ${describeCommand(cmd)}`)}`,
  // A subshell: a command that says `exit` ends its step, not the setup's bookkeeping.
  `(
${commandScript(cmd)}
)`,
  `__cw_rc=$?; if [ $__cw_rc -ne 0 ]; then printf '\\n%s failed (exit %s)\\n' ${shellQuote(label)} $__cw_rc; exit $__cw_rc; fi`,
];

export function setupPlan(
  dc: DevcontainerResult,
  setupCommand: string | null,
  phase: SetupPhase,
  /** Shell run after the devcontainer env is exported (the room sources the secrets there). */
  prelude?: string,
): SetupPlan {
  const config = dc.kind === 'ok' ? dc.config : undefined;
  const problem =
    dc.kind === 'malformed'
      ? { path: dc.path, line: dc.line, column: dc.column, message: dc.message }
      : undefined;
  const steps: [string, LifecycleCommand][] = [];
  const create = config?.postCreateCommand ?? (setupCommand?.trim() ? setupCommand : undefined);
  if (phase === 'create' && create !== undefined)
    steps.push([config?.postCreateCommand !== undefined ? 'postCreateCommand' : 'setup command', create]);
  if (config?.postStartCommand !== undefined) steps.push(['postStartCommand', config.postStartCommand]);
  const env = config?.env ?? {};
  const base = {
    env,
    forwardPorts: config?.forwardPorts ?? [],
    portLabels: config?.portLabels ?? {},
    ...(problem ? { problem } : {}),
  };
  if (!steps.length) return { ...base, script: null, command: null };
  const lines = [`cd ${shellQuote(VM_WORKSPACE_PATH)} || exit 97`];
  for (const [k, v] of Object.entries(env)) lines.push(`export ${k}=${shellQuote(v)}`);
  if (prelude) lines.push(prelude);
  if (dc.kind === 'ok') lines.push(`echo ${shellQuote(`Setup from ${dc.path}`)}`);
  if (problem)
    lines.push(
      `echo ${shellQuote(`${problem.path} line ${problem.line}, column ${problem.column}: ${problem.message} (ignored)`)}`,
    );
  if (config?.ignored.length)
    lines.push(`echo ${shellQuote(`Ignored (they do not apply to a VM): ${config.ignored.join(', ')}`)}`);
  for (const [label, cmd] of steps) lines.push(...step(label, cmd));
  lines.push(`printf '\\nSetup finished.\\n'`);
  return {
    ...base,
    script: lines.join('\n') + '\n',
    command: steps.map(([, c]) => describeCommand(c)).join(' && '),
  };
}

/** The setup definition's identity: a prebuild is reused only by workspaces with the same hash. */
export async function setupDefinitionHash(
  devcontainerText: string | null,
  setupCommand: string | null,
): Promise<string> {
  const data = new TextEncoder().encode(`${devcontainerText ?? ''}\u0000${setupCommand ?? ''}`);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
