/** The plan's schedule: retry at once, then after 1 s, 3 s and 10 s; then give up and let the user click. */
export const RECONNECT_DELAYS_MS = [0, 1000, 3000, 10_000];

export function reconnectDelay(attempt: number): number | null {
  return attempt < RECONNECT_DELAYS_MS.length ? RECONNECT_DELAYS_MS[attempt]! : null;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
