// Wire shapes of Freestyle's identities (node_modules/freestyle/src/identities.ts): scoped access for end
// users, which the SSH gateway admits as `<vmId>[+<linuxUser>]:<token>`.

export interface IdentityData {
  id: string;
  managed: boolean;
}

export interface IdentityInfo {
  id: string;
  accountId: string;
  managed: boolean;
}

export interface ListIdentitiesResult {
  identities: IdentityData[];
  total: number;
}

export interface CreatedToken {
  id: string;
  /** Returned once, in full. */
  token: string;
}

export interface AccessTokenInfo {
  id: string;
}

export interface VmPermission {
  id: string;
  identityId: string;
  vmId: string;
  allowedLinuxUsers: string[] | null;
  grantedAt: string;
  grantedBy: string;
}

export interface GrantVmPermissionOptions {
  vmId: string;
  /** Restrict the grant to these Linux users; omit (or null) for any. */
  allowedLinuxUsers?: string[] | null;
}

export interface CreateTokenOptions {
  /** Local VM host extension: Freestyle's tokens live until revoked (its SDK posts `{}`). */
  expiresInSeconds?: number;
}

/** The SSH user name the gateway expects: `<vmId>:<token>` or `<vmId>+<linuxUser>:<token>`. */
export function sshUserName(vmId: string, token: string, linuxUser?: string): string {
  return `${linuxUser ? `${vmId}+${linuxUser}` : vmId}:${token}`;
}

/** The inverse of `sshUserName`; null when the name is not of that form. */
export function parseSshUserName(name: string): { vmId: string; linuxUser?: string; token: string } | null {
  const m = /^([a-z0-9-]+)(?:\+([a-z_][a-z0-9_-]*))?:([A-Za-z0-9_.~-]+)$/.exec(name);
  if (!m) return null;
  return { vmId: m[1]!, token: m[3]!, ...(m[2] ? { linuxUser: m[2] } : {}) };
}
