// Response shapes of a workspace's terminal windows and tickets. Times here are ms since the epoch (the
// room keeps numbers), unlike the database's ISO strings.

/** A terminal window as clients see it; the room's stored record has more (its PTY slug, its creator). */
export interface TerminalWindow {
  windowId: string;
  name: string;
  createdAt: number;
  /** The Setup window (the repository's setup runs there; docs/setup.md). */
  kind?: 'setup';
}

export interface TerminalListResponse {
  terminals: (TerminalWindow & { viewers: number })[];
}

/** `POST /api/workspaces/:id/terminal-ticket`: single use, for a browser's terminal socket. */
export interface TerminalTicketResponse {
  ticket: string;
  expiresAt: number;
}
