import { findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { shellQuote } from './shell';

// The repository's setup, read from its Dev Container file (JSON with comments, trailing commas allowed).
// A VM is not a container: only the lifecycle commands, the environment and the ports apply; the rest is
// listed as ignored in the setup log, never an error. Nothing here may block a workspace.

/** Where the file may be, in the spec's order. */
export const DEVCONTAINER_PATHS = ['.devcontainer/devcontainer.json', '.devcontainer.json'] as const;

/** A lifecycle command: a shell string, an argv (no shell), or named commands run in parallel. */
export type LifecycleCommand = string | string[] | { [name: string]: string | string[] };

export interface DevcontainerConfig {
  postCreateCommand?: LifecycleCommand;
  postStartCommand?: LifecycleCommand;
  /** `containerEnv` then `remoteEnv` (the latter wins): the workspace's lowest-precedence env. */
  env: Record<string, string>;
  /** `forwardPorts` as numbers (a `host:port` entry keeps its port). */
  forwardPorts: number[];
  /** `portsAttributes[port].label`. */
  portLabels: Record<string, string>;
  /** Fields that cannot apply to a VM. */
  ignored: string[];
}

export type DevcontainerResult =
  | { kind: 'missing' }
  | { kind: 'ok'; path: string; config: DevcontainerConfig }
  | { kind: 'malformed'; path: string; line: number; column: number; message: string };

/** Fields that only mean something for a container or an editor; said so in the log. */
const IGNORED = new Set([
  'image',
  'build',
  'dockerFile',
  'dockerfile',
  'context',
  'dockerComposeFile',
  'service',
  'runServices',
  'features',
  'mounts',
  'workspaceMount',
  'workspaceFolder',
  'runArgs',
  'appPort',
  'privileged',
  'capAdd',
  'securityOpt',
  'init',
  'containerUser',
  'remoteUser',
  'updateRemoteUserUID',
  'overrideCommand',
  'shutdownAction',
  'hostRequirements',
  'initializeCommand',
  'onCreateCommand',
  'updateContentCommand',
  'postAttachCommand',
  'waitFor',
  'userEnvProbe',
  'overrideFeatureInstallOrder',
]);
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** 1-based line and column of a character offset. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** jsonc-parser's "CommaExpected" as a person reads it: "comma expected". */
const readableParseError = (code: ParseError['error']) =>
  printParseErrorCode(code)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();

class Invalid extends Error {
  constructor(
    message: string,
    readonly node: Node,
  ) {
    super(message);
  }
}

function lifecycle(node: Node | undefined, name: string): LifecycleCommand | undefined {
  if (!node) return undefined;
  const strings = (n: Node, what: string): string[] => {
    if (n.type !== 'array' || !(n.children ?? []).every((c) => c.type === 'string'))
      throw new Invalid(`${what} must be a string or an array of strings`, n);
    const argv = (n.children ?? []).map((c) => c.value as string);
    if (!argv.length) throw new Invalid(`${what} must not be an empty array`, n);
    return argv;
  };
  if (node.type === 'string') return node.value as string;
  if (node.type === 'array') return strings(node, name);
  if (node.type === 'object') {
    const out: Record<string, string | string[]> = {};
    for (const prop of node.children ?? []) {
      const [key, value] = prop.children ?? [];
      if (!key || !value) continue;
      const label = `${name}.${key.value as string}`;
      out[key.value as string] = value.type === 'string' ? (value.value as string) : strings(value, label);
    }
    return out;
  }
  throw new Invalid(`${name} must be a string, an array or an object`, node);
}

function envOf(node: Node | undefined, name: string, into: Record<string, string>) {
  if (!node) return;
  if (node.type !== 'object') throw new Invalid(`${name} must be an object of strings`, node);
  for (const prop of node.children ?? []) {
    const [key, value] = prop.children ?? [];
    if (!key || !value) continue;
    const k = key.value as string;
    if (!ENV_NAME.test(k)) throw new Invalid(`${name}: "${k}" is not a valid variable name`, key);
    if (value.type === 'null') continue;
    if (value.type !== 'string') throw new Invalid(`${name}.${k} must be a string`, value);
    into[k] = value.value as string;
  }
}

/** Parses a Dev Container file; `text` null means the repository has none. Never throws. */
export function parseDevcontainer(
  text: string | null,
  path: string = DEVCONTAINER_PATHS[0],
): DevcontainerResult {
  if (text === null) return { kind: 'missing' };
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const malformed = (offset: number, message: string): DevcontainerResult => ({
    kind: 'malformed',
    path,
    ...positionOf(text, offset),
    message,
  });
  if (errors.length) return malformed(errors[0]!.offset, readableParseError(errors[0]!.error));
  if (!root || root.type !== 'object')
    return malformed(root?.offset ?? 0, 'the file must hold a JSON object');
  try {
    const at = (key: string) => findNodeAtLocation(root, [key]);
    const env: Record<string, string> = {};
    envOf(at('containerEnv'), 'containerEnv', env);
    envOf(at('remoteEnv'), 'remoteEnv', env);
    const forwardPorts: number[] = [];
    const fp = at('forwardPorts');
    if (fp) {
      if (fp.type !== 'array') throw new Invalid('forwardPorts must be an array', fp);
      for (const p of fp.children ?? []) {
        const port = p.type === 'number' ? p.value : Number(String(p.value).split(':').pop());
        if (!Number.isInteger(port) || port < 1 || port > 65535)
          throw new Invalid('forwardPorts: each entry must be a port (1-65535) or "host:port"', p);
        forwardPorts.push(port);
      }
    }
    const portLabels: Record<string, string> = {};
    const pa = at('portsAttributes');
    if (pa?.type === 'object') {
      for (const prop of pa.children ?? []) {
        const [key, value] = prop.children ?? [];
        const label = value && findNodeAtLocation(value, ['label']);
        if (key && label?.type === 'string') portLabels[key.value as string] = label.value as string;
      }
    }
    const ignored = (root.children ?? [])
      .map((p) => p.children?.[0]?.value as string)
      .filter((k) => IGNORED.has(k));
    return {
      kind: 'ok',
      path,
      config: {
        postCreateCommand: lifecycle(at('postCreateCommand'), 'postCreateCommand'),
        postStartCommand: lifecycle(at('postStartCommand'), 'postStartCommand'),
        env,
        forwardPorts,
        portLabels,
        ignored,
      },
    };
  } catch (err) {
    if (err instanceof Invalid) return malformed(err.node.offset, err.message);
    throw err;
  }
}

/** How a command reads in the UI ("Running setup: npm ci"). */
export function describeCommand(cmd: LifecycleCommand): string {
  if (typeof cmd === 'string') return cmd;
  if (Array.isArray(cmd)) return cmd.join(' ');
  return Object.entries(cmd)
    .map(([name, c]) => `${name}: ${describeCommand(c)}`)
    .join('; ');
}

/**
 * Bash for a lifecycle command: a string as it is, an argv quoted word by word (no shell features), an
 * object's commands in parallel, failing with the first non-zero exit.
 */
export function commandScript(cmd: LifecycleCommand): string {
  if (typeof cmd === 'string') return cmd;
  if (Array.isArray(cmd)) return cmd.map(shellQuote).join(' ');
  const lines = ['__cw_rc=0; __cw_pids=()'];
  for (const [name, c] of Object.entries(cmd)) {
    lines.push(`echo ${shellQuote(`> ${name}: ${describeCommand(c)}`)}`);
    lines.push(`( ${commandScript(c)}\n) & __cw_pids+=($!)`);
  }
  lines.push('for __cw_p in "${__cw_pids[@]}"; do wait "$__cw_p" || __cw_rc=$?; done', '(exit $__cw_rc)');
  return `{\n${lines.join('\n')}\n}`;
}
