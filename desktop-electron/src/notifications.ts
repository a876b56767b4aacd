import type { WorkspaceStateReport } from '../../core/desktop-bridge';

export interface Notice {
  workspaceId: string;
  title: string;
  body: string;
}

/**
 * The notice a change deserves, if any: entering `error` or `paused`, or a new pull ("pulled <sha>"). The
 * first report of a workspace only sets the baseline.
 */
export function noticeFor(prev: WorkspaceStateReport | undefined, next: WorkspaceStateReport): Notice | null {
  if (!prev) return null;
  const name = next.name ?? prev.name ?? 'A workspace';
  if (next.status !== prev.status) {
    if (next.status === 'error')
      return {
        workspaceId: next.workspaceId,
        title: `${name} failed`,
        body: next.statusMessage || 'The workspace is in error. Open it to retry.',
      };
    if (next.status === 'paused')
      return {
        workspaceId: next.workspaceId,
        title: `${name} paused`,
        body: 'Paused after being idle. Open it to resume.',
      };
  }
  const pulled = (r: WorkspaceStateReport) =>
    r.pullMessage && /^pulled\b/i.test(r.pullMessage) ? r.pullMessage : null;
  if (
    pulled(next) &&
    (next.pullMessage !== prev.pullMessage ||
      (next.lastCommitSha && next.lastCommitSha !== prev.lastCommitSha))
  )
    return { workspaceId: next.workspaceId, title: `${name} pulled new commits`, body: next.pullMessage! };
  return null;
}

/**
 * Native notifications for workspaces the user has open (shown in the window, or synced locally), only
 * while the window is in the background: in front, the web app already shows the change.
 */
export class WorkspaceNotifier {
  private last = new Map<string, WorkspaceStateReport>();

  constructor(
    private readonly deps: {
      isWindowFocused: () => boolean;
      isOpen: (workspaceId: string) => boolean;
      show: (notice: Notice) => void;
    },
  ) {}

  report(r: WorkspaceStateReport): Notice | null {
    const prev = this.last.get(r.workspaceId);
    this.last.set(r.workspaceId, { ...prev, ...r });
    const notice = noticeFor(prev, r);
    if (!notice || this.deps.isWindowFocused() || !this.deps.isOpen(r.workspaceId)) return null;
    this.deps.show(notice);
    return notice;
  }
}

/** Validates a report coming over IPC (the renderer is not trusted with shapes). */
export function parseReport(raw: unknown, isId: (s: unknown) => s is string): WorkspaceStateReport | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  if (!isId(r.workspaceId) || typeof r.status !== 'string' || r.status.length > 40) return null;
  const str = (v: unknown, max: number) =>
    typeof v === 'string' ? v.slice(0, max) : v === null ? null : undefined;
  return {
    workspaceId: r.workspaceId,
    status: r.status,
    name: typeof r.name === 'string' ? r.name.slice(0, 200) : undefined,
    statusMessage: str(r.statusMessage, 500),
    pullMessage: str(r.pullMessage, 500),
    lastCommitSha: str(r.lastCommitSha, 40),
  };
}
