import { z } from 'zod';

// Wire shapes of the Freestyle v5 VM API subset we use, copied from the `freestyle` SDK
// (node_modules/freestyle/src/vms/types.ts and vms/pty.ts) so both ends agree byte for byte.

export type VmState = 'starting' | 'running' | 'pausing' | 'paused' | 'stopped';

export interface VmResources {
  cpu: number;
  /** MiB */
  memory: number;
  /** MiB */
  storage: number;
}

export interface VmData {
  id: string;
  state: VmState;
  slug?: string | null;
  displayName?: string | null;
  resources: VmResources;
  metadata: Record<string, string>;
  /** Total CPU time consumed, seconds (Freestyle's field; the local host reads its cgroup). */
  cpuTimeSeconds?: number | null;
  /** Seconds spent running, across every run. */
  totalRunSeconds?: number;
  /** Local VM host only: what Freestyle's API does not report (memory, OOM kills, disk, why it stopped). */
  local?: LocalVmStats;
  createdAt: string;
  updatedAt: string;
  [extra: string]: unknown;
}

/** Local VM host only, read when the VM is read (cheap: cgroup files and one statfs). */
export interface LocalVmStats {
  memory: { usedBytes: number; limitBytes: number } | null;
  /** Processes the kernel's OOM killer ended, and the latest one's name where the host can tell. */
  oomKills: { count: number; last: { process: string; pid: number; at: string } | null } | null;
  /** `usedBytes` is what the VM can no longer write: a full disk reads `quotaBytes`. */
  disk: { usedBytes: number; quotaBytes: number; freeBytes: number; enforced: boolean };
  /** Why the VM last stopped without being asked to (null: it was asked, or never stopped). */
  crash: { reason: 'processes_died' | 'host_restarted'; at: string } | null;
  /**
   * The VM's host shut down cleanly (SIGINT/SIGTERM: Ctrl-C of `npm start`) while the VM ran or was
   * paused, so the host stopped it on purpose: `state` is `stopped`, and this is no crash. Cleared when
   * the VM is next started or stopped (null also from hosts older than this field).
   */
  hostShutdown?: { at: string } | null;
}

export interface ListVmsResult {
  vms: VmData[];
  totalCount: number;
  runningCount: number;
  startingCount: number;
  pausingCount: number;
  pausedCount: number;
  stoppedCount: number;
}

export interface CreateVmOptions {
  slug?: string | null;
  displayName?: string | null;
  metadata?: Record<string, string>;
  /** Required by Freestyle; the local host stores it but does not enforce it. */
  firewall: { rules: unknown[] };
  [extra: string]: unknown;
}

export interface ExecOptions {
  command: string;
  linuxUser?: string;
  /** Wall-clock limit; Freestyle's default is 30000. */
  timeoutMs?: number;
  env?: Record<string, string>;
  /** Base64-encoded stdin. */
  stdin?: string;
}

export interface ExecResult {
  stdout?: string | null;
  stderr?: string | null;
  /** null when the command was killed by its timeout. */
  statusCode?: number | null;
  /** Local VM host only: output past its cap was dropped. */
  stdoutTruncated?: boolean;
  stderrTruncated?: boolean;
}

export interface PtySessionInfo {
  sessionId: number;
  /** "running" or "exited" */
  state: string;
  createdUnix: number;
  cols: number;
  rows: number;
  exitCode?: number | null;
  linuxUser?: string | null;
  slug?: string | null;
}

export interface ListPtySessionsResult {
  sessions: PtySessionInfo[];
}

export interface ClosePtySessionResult {
  sessionId: number;
  exitCode?: number | null;
}

/** Text frames the server sends on the PTY socket (binary frames are output bytes). */
export const PtyServerMsgSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('sessionInfo'),
    sessionId: z.number().int(),
    slug: z.string().optional(),
    created: z.boolean().optional(),
  }),
  z.object({ type: z.literal('exited'), exitCode: z.number().int() }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type PtyServerMsg = z.infer<typeof PtyServerMsgSchema>;

/** Text frames a client sends on the PTY socket (binary frames are input bytes). */
export const PtyClientMsgSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('resize'),
    cols: z.number().int().min(1).max(1000),
    rows: z.number().int().min(1).max(1000),
  }),
  z.object({ type: z.literal('signal'), signal: z.enum(['sigint', 'sigkill']) }),
]);
export type PtyClientMsg = z.infer<typeof PtyClientMsgSchema>;

export interface PtyOpenOptions {
  /** Command to run; omitted means a login shell. */
  exec?: string;
  cols?: number;
  rows?: number;
  linuxUser?: string;
  slug?: string;
  replaceOnExit?: boolean;
}

/** The path inside every VM where the product clones the repository. */
export const VM_WORKSPACE_PATH = '/workspace';

/** Local VM host only (Freestyle has no such endpoint): a TCP port listening inside a VM. */
export interface VmPort {
  port: number;
  /** Bound address: `0.0.0.0`, `127.0.0.1`, `::` ... */
  address: string;
  /** The listening process's name, when the host can tell. */
  process?: string;
  pid?: number;
}

export interface ListVmPortsResult {
  ports: VmPort[];
}

// TLS rules (`/v5/tls`), the subset the local host serves: public HTTP ingress to a VM port.
// Shapes from the `freestyle` SDK (node_modules/freestyle/src/tls.ts).

export interface TlsEndpoint {
  vmId?: string;
  vpcId?: string;
  public?: true;
  host?: string;
  port?: number;
}

export interface CreateTlsRuleOptions {
  action: 'allow';
  /** Exact (`app.acme.com`) or a single-label wildcard (`*.acme.com`). */
  domain: string;
  protocol?: 'http';
  source: TlsEndpoint;
  destination: TlsEndpoint;
  forwardAuth?: { id: string };
}

export interface TlsRuleData {
  id: string;
  accountId: string;
  action: 'allow';
  domain: string;
  protocol: string;
  source: TlsEndpoint;
  destination: TlsEndpoint;
  forwardAuth?: { id: string };
  redacted?: boolean;
  managed?: boolean;
  dependencies: { kind: string; id: string; slug?: string | null; displayName?: string | null }[];
  createdAt: string;
  updatedAt: string;
}

export interface ListTlsRulesResult {
  /** Newest first. */
  rules: TlsRuleData[];
  totalCount: number;
}

/** The service asked before a request is forwarded to the VM (locally `http://` is accepted too). */
export interface CreateTlsForwardAuthOptions {
  url: string;
  /** Static headers added to the authorization request; write-only (read back as `"***"`). */
  headers?: Record<string, string>;
  /** 100-5000. */
  timeoutMs?: number;
  /** Cookies withheld from the VM and never set by it. */
  protectedCookies?: string[];
  /** Headers copied from an allowing authorization response onto the request to the VM. */
  authResponseHeaders?: string[];
}

export interface TlsForwardAuthData extends Omit<CreateTlsForwardAuthOptions, 'timeoutMs'> {
  id: string;
  accountId: string;
  timeoutMs: number;
  redacted: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface ListTlsForwardAuthResult {
  configs: TlsForwardAuthData[];
  totalCount: number;
}

/** `POST /v5/vms/{id}/snapshot` (node_modules/freestyle/src/vms/snapshots.ts). */
export interface SnapshotCreated {
  snapshotId: string;
  sourceVmId: string | null;
  snapshot: { id: string; sourceVmId?: string | null; createdAt: string; [extra: string]: unknown };
}
