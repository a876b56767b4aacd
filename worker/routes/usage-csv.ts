import type { UsageResponse } from '../../core/api/organizations';

/** A field as RFC 4180 wants it, and never a formula a spreadsheet would run. */
function field(v: string | number): string {
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function usageCsv(u: UsageResponse): string {
  const head = [u.groupBy, 'label', 'running_seconds', 'paused_seconds', 'running_hours', 'paused_hours'];
  const lines = [head.join(',')];
  for (const r of u.rows) {
    lines.push(
      [
        r.key,
        r.label,
        r.runningSeconds,
        r.pausedSeconds,
        (r.runningSeconds / 3600).toFixed(3),
        (r.pausedSeconds / 3600).toFixed(3),
      ]
        .map(field)
        .join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}
