import type { Config } from '../../core/config';
import { forwardToken } from '../../core/forward-token';
import { FORWARD_COOKIE } from '../../core/ports';

/**
 * Where a preview request goes (the VM platform's domain for the port, or locally the VM host's
 * forwarder, which reads the domain from X-Forwarded-Host), with the forward-auth cookie added.
 */
export async function upstreamUrl(
  config: Config,
  workspaceId: string,
  domain: string,
  port: number,
  path: string,
  headers: Headers,
) {
  const token = await forwardToken(config.auth.secret, workspaceId, port);
  const cookie = headers.get('cookie');
  headers.set('cookie', cookie ? `${cookie}; ${FORWARD_COOKIE}=${token}` : `${FORWARD_COOKIE}=${token}`);
  const base = config.preview!.forwardUrl?.replace(/\/+$/, '') ?? `https://${domain}`;
  return `${base}${path}`;
}
