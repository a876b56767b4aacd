import { For, Show } from 'solid-js';
import type { VmHealth } from '../../../core/protocol';

// Memory, disk and CPU at a glance: three small bars fed by the room's health message (every 10 s
// while someone is connected), so the page polls nothing. A meter the VM provider does not report
// is left out; past 90% a bar turns amber, at 100% red.

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export function formatBytes(bytes: number): string {
  if (bytes >= GiB) return `${(bytes / GiB).toFixed(1).replace(/\.0$/, '')} GiB`;
  return `${Math.round(bytes / MiB)} MiB`;
}

interface Meter {
  key: string;
  label: string;
  /** 0-100, or null while unknown (CPU before its second reading). */
  percent: number | null;
  /** What is used, and of what (the total is left out on a phone). */
  text: string;
  total?: string;
  title: string;
}

export function metersOf(h: VmHealth): Meter[] {
  const out: Meter[] = [];
  if (h.memory) {
    const pct = (h.memory.usedBytes / h.memory.limitBytes) * 100;
    out.push({
      key: 'memory',
      label: 'Memory',
      percent: pct,
      text: formatBytes(h.memory.usedBytes),
      total: formatBytes(h.memory.limitBytes),
      title: `Memory: ${formatBytes(h.memory.usedBytes)} of ${formatBytes(h.memory.limitBytes)} in use (page cache included)`,
    });
  }
  if (h.disk) {
    const pct = (h.disk.usedBytes / h.disk.quotaBytes) * 100;
    out.push({
      key: 'disk',
      label: 'Disk',
      percent: pct,
      text: formatBytes(h.disk.usedBytes),
      total: formatBytes(h.disk.quotaBytes),
      title: `Disk: ${formatBytes(h.disk.usedBytes)} of ${formatBytes(h.disk.quotaBytes)} used`,
    });
  }
  if (h.cpu) {
    const p = h.cpu.percent;
    out.push({
      key: 'cpu',
      label: 'CPU',
      percent: p,
      text: p === null ? '…' : `${Math.round(p)}%`,
      title: `CPU: ${p === null ? 'measuring' : `${p}% of ${h.cpu.count} vCPU`} · ${Math.round(h.cpu.seconds)} s in total`,
    });
  }
  return out;
}

/** `placement`: under the name on a wide screen, a row of its own on a phone (CSS shows one). */
export function HealthMeters(props: { health: VmHealth | null; placement: 'inline' | 'row' }) {
  return (
    <Show when={props.health}>
      {(h) => (
        <div
          class={`meters meters-${props.placement}`}
          role="group"
          aria-label="VM resources"
          data-testid="health-meters"
        >
          <For each={metersOf(h())}>
            {(m) => (
              <div
                class="meter"
                classList={{
                  'meter-warn': (m.percent ?? 0) >= 90 && (m.percent ?? 0) < 99.5,
                  'meter-full': (m.percent ?? 0) >= 99.5,
                }}
                title={m.title}
                data-meter={m.key}
              >
                <span class="meter-label">{m.label}</span>
                <span
                  class="meter-bar"
                  role="meter"
                  aria-label={m.label}
                  aria-valuemin={0}
                  aria-valuemax={100}
                  aria-valuenow={m.percent === null ? undefined : Math.round(m.percent)}
                  aria-valuetext={m.total ? `${m.text} of ${m.total}` : m.text}
                >
                  <span class="meter-fill" style={{ width: `${Math.min(100, m.percent ?? 0)}%` }} />
                </span>
                <span class="meter-text mono">
                  {m.text}
                  <Show when={m.total}>
                    <span class="meter-total"> / {m.total}</span>
                  </Show>
                </span>
              </div>
            )}
          </For>
        </div>
      )}
    </Show>
  );
}
