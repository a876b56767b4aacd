import { z } from 'zod';

// Ports of a workspace and their preview URLs: `<port>-<workspaceId>.<PREVIEW_DOMAIN>`, a host of its
// own per port, never the app's origin (a previewed app's scripts must not reach the product's cookies
// or API). Platform-free: the Worker, the room and the clients build and read the same names.

export const PORT_VISIBILITIES = ['private', 'public'] as const;
export type PortVisibility = (typeof PORT_VISIBILITIES)[number];

export const PortInfoSchema = z.object({
  port: z.number().int(),
  /** `portsAttributes[port].label` of the repository's devcontainer.json. */
  label: z.string().optional(),
  /** The listening process's name, when the VM host can tell. */
  process: z.string().optional(),
  /**
   * False for a port of devcontainer.json's `forwardPorts` that nothing listens on yet: it is named
   * and has its URL (which answers "Start your dev server" until a server starts).
   */
  listening: z.boolean(),
  visibility: z.enum(PORT_VISIBILITIES),
  url: z.string(),
});
export type PortInfo = z.infer<typeof PortInfoSchema>;

/** The preview host's own cookie (HttpOnly, that host only): a grant kept by the workspace's room. */
export const PREVIEW_COOKIE = '__cw_preview';
/** Sent by the Worker to the VM platform's edge and checked by our forward auth; never reaches the VM. */
export const FORWARD_COOKIE = '__cw_fwd';
/** The Worker's forward auth, asked by the VM platform before every preview request. */
export const FORWARD_AUTH_PATH = '/api/preview/forward-auth';
/**
 * The preview host's half of a sign-in in flight: a random value set before it sends the browser to the
 * app origin, which hands it back with the code. The callback takes a code only with it, so nobody can
 * send a victim's browser a link that signs it into a preview as the sender (login CSRF).
 */
export const PREVIEW_STATE_COOKIE = '__cw_preview_state';
export const PREVIEW_STATE = /^[A-Za-z0-9_-]{22,64}$/;
/** On a preview host: where the app origin hands back its one-time code. */
export const PREVIEW_CALLBACK_PATH = '/__cw/preview-callback';

const LABEL = /^([1-9][0-9]{0,4})-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export const isPort = (n: number) => Number.isInteger(n) && n >= 1 && n <= 65535;

/** `3000-<id>.<domain>`; `domain` may carry a port (`localhost:8787`). */
export const previewHost = (port: number, workspaceId: string, domain: string) =>
  `${port}-${workspaceId}.${domain}`;

export const previewUrl = (scheme: string, port: number, workspaceId: string, domain: string) =>
  `${scheme}://${previewHost(port, workspaceId, domain)}`;

/** The port and workspace a Host header names under `domain`, or null (not a preview host). */
export function parsePreviewHost(
  host: string | null | undefined,
  domain: string,
): { port: number; workspaceId: string } | null {
  if (!host) return null;
  const h = host.toLowerCase();
  const suffix = `.${domain.toLowerCase()}`;
  if (!h.endsWith(suffix)) return null;
  const m = LABEL.exec(h.slice(0, -suffix.length));
  if (!m) return null;
  const port = Number(m[1]);
  return isPort(port) ? { port, workspaceId: m[2]! } : null;
}

/** A path to go back to after the code exchange: same host only (no open redirect). */
export const safePreviewPath = (next: string | null | undefined) =>
  next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';

const LOCAL_URL = /^https?:\/\/(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1?\])(?::([0-9]{1,5}))?(\/[^\s]*)?$/i;

/**
 * A `http://localhost:<port>/...` link a dev server prints in a workspace's terminal, as the port's
 * preview URL (the user's browser cannot reach the VM's loopback); null for any other link.
 */
export function localLinkToPreview(
  uri: string,
  workspaceId: string,
  preview: { scheme: string; domain: string } | undefined,
): string | null {
  const m = preview ? LOCAL_URL.exec(uri) : null;
  if (!m || !preview) return null;
  const port = m[1] ? Number(m[1]) : uri.toLowerCase().startsWith('https') ? 443 : 80;
  if (!isPort(port)) return null;
  return previewUrl(preview.scheme, port, workspaceId, preview.domain) + (m[2] ?? '/');
}
