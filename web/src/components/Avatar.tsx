import { Show } from 'solid-js';

const HUES = [250, 200, 160, 30, 340, 280, 100, 10];

function initials(name: string): string {
  const parts = name
    .trim()
    .split(/[\s@._-]+/)
    .filter(Boolean);
  return ((parts[0]?.[0] ?? '?') + (parts[1]?.[0] ?? '')).toUpperCase();
}

function hue(seed: string): number {
  let h = 0;
  for (const ch of seed) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return HUES[h % HUES.length]!;
}

export function Avatar(props: { name: string; image?: string | null; size?: number; title?: string }) {
  const size = () => props.size ?? 24;
  return (
    <span
      class="avatar"
      title={props.title ?? props.name}
      style={{
        width: `${size()}px`,
        height: `${size()}px`,
        'font-size': `${Math.round(size() * 0.42)}px`,
        background: `hsl(${hue(props.name)} 55% 52%)`,
      }}
    >
      <Show when={props.image} fallback={initials(props.name)}>
        <img src={props.image!} alt="" />
      </Show>
    </span>
  );
}
