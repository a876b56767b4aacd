/** Only same-site paths are followed after sign-in (no open redirects). */
export function safeRedirect(value: string | string[] | undefined, fallback = '/'): string {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v || !v.startsWith('/') || v.startsWith('//')) return fallback;
  return v;
}
