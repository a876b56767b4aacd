// `POST /api/workspaces/:id/ssh`: short-lived SSH access to one workspace's VM through the gateway.

export interface SshAccessResponse {
  host: string;
  port: number;
  /**
   * `<vmId>+<linuxUser>:<token>`: the gateway reads the VM, the grant's own Linux user (whose login
   * shell carries the member's environment, docs/ssh.md) and the token from the user name.
   */
  user: string;
  token: string;
  /** ISO time; the token is refused after it, and at once when the workspace stops or is deleted. */
  expiresAt: string;
  /** A command line that connects, e.g. `ssh -p 2222 <user>@127.0.0.1` (quoted only when needed). */
  command: string;
  /** A `Host` block for ~/.ssh/config (editors' remote modes). */
  sshConfig: string;
  /** The `Host` name in `sshConfig`. */
  hostAlias: string;
}
