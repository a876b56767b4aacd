import type { SshAccessResponse } from '../../core/api/ssh';
import type { Config } from '../../core/config';
import { sshUserName } from '../../core/vm';

/** `cw-<name>`: a stable, readable `Host` alias per workspace (its id keeps two of one name apart). */
export function sshHostAlias(ws: { id: string; name: string }): string {
  const name = ws.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `cw-${name || 'workspace'}-${ws.id.slice(0, 6)}`;
}

const quote = (s: string) => (/^[A-Za-z0-9_.:@/+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export function sshAccess(
  config: Config,
  ws: { id: string; name: string },
  grant: { vmId: string; token: string; expiresAt: number; linuxUser?: string },
): SshAccessResponse {
  const host = config.sshGateway.host.replaceAll('{vmId}', grant.vmId);
  const port = config.sshGateway.port;
  const user = sshUserName(grant.vmId, grant.token, grant.linuxUser);
  const hostAlias = sshHostAlias(ws);
  const sshConfig = [`Host ${hostAlias}`, `  HostName ${host}`, `  Port ${port}`, `  User ${user}`, ''].join(
    '\n',
  );
  return {
    host,
    port,
    user,
    token: grant.token,
    expiresAt: new Date(grant.expiresAt).toISOString(),
    command: `ssh ${port === 22 ? '' : `-p ${port} `}${quote(`${user}@${host}`)}`,
    sshConfig,
    hostAlias,
  };
}
