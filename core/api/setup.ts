// The workspace's setup as it goes over the wire (`workspace.setup`), and the setup route's answer.

/** The repository setting's bounds (minutes). */
export const SETUP_TIMEOUT_MINUTES = { min: 1, max: 240, default: 30 } as const;

export type SetupStatus = 'none' | 'running' | 'succeeded' | 'failed';

/** Where a malformed devcontainer.json went wrong: the workspace runs anyway, the banner says where. */
export interface DevcontainerProblem {
  path: string;
  line: number;
  column: number;
  message: string;
}

export interface WorkspaceSetup {
  status: SetupStatus;
  /** The command as shown: "Running setup: npm ci". */
  command?: string;
  /** null when the setup was killed by its timeout (`timedOut`). */
  exitCode?: number | null;
  timedOut?: boolean;
  /** The terminal window named "Setup" holding its output. */
  windowId?: string;
  startedAt?: string;
  finishedAt?: string;
  /** The VM booted from a prebuilt snapshot: only postStartCommand ran. */
  fromPrebuild?: boolean;
  devcontainer?: DevcontainerProblem;
}
