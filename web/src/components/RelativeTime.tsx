import { createSignal } from 'solid-js';

const [now, setNow] = createSignal(Date.now());
setInterval(() => setNow(Date.now()), 30_000);

export function formatRelative(iso: string | null | undefined, at = now()): string {
  if (!iso) return 'never';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '';
  const s = Math.round((at - t) / 1000);
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  if (d < 30) return `${d} d ago`;
  return new Date(iso).toLocaleDateString();
}

export function RelativeTime(props: { value: string | null | undefined }) {
  return (
    <time
      datetime={props.value ?? undefined}
      title={props.value ? new Date(props.value).toLocaleString() : undefined}
    >
      {formatRelative(props.value, now())}
    </time>
  );
}
