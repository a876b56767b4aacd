import { For, Show } from 'solid-js';
import type { UsageRow } from '../../../core/api/organizations';
import { formatDuration } from '../lib/duration';

// A plain SVG bar chart: one stacked bar per row (running, then paused), labelled, scaled to the
// largest row. Small enough that a chart library would weigh more than the page.

const ROW_H = 28;
const LABEL_W = 130;
const WIDTH = 540;

export function UsageChart(props: { rows: UsageRow[] }) {
  const max = () => Math.max(1, ...props.rows.map((r) => r.runningSeconds + r.pausedSeconds));
  const scale = (s: number) => (s / max()) * (WIDTH - LABEL_W - 90);
  return (
    <Show when={props.rows.length > 0}>
      <svg
        class="usage-chart"
        viewBox={`0 0 ${WIDTH} ${props.rows.length * ROW_H + 8}`}
        role="img"
        aria-label="Running and paused time per row"
      >
        <For each={props.rows}>
          {(r, i) => (
            <g transform={`translate(0, ${i() * ROW_H + 4})`}>
              <text
                class="usage-chart-label"
                x={LABEL_W - 8}
                y={ROW_H / 2}
                text-anchor="end"
                dominant-baseline="middle"
              >
                {r.label.length > 24 ? `${r.label.slice(0, 23)}…` : r.label}
              </text>
              <rect
                class="usage-bar-running"
                x={LABEL_W}
                y={5}
                height={ROW_H - 10}
                width={scale(r.runningSeconds)}
                rx={3}
              >
                <title>{`Running ${formatDuration(r.runningSeconds)}`}</title>
              </rect>
              <rect
                class="usage-bar-paused"
                x={LABEL_W + scale(r.runningSeconds)}
                y={5}
                height={ROW_H - 10}
                width={scale(r.pausedSeconds)}
                rx={3}
              >
                <title>{`Paused ${formatDuration(r.pausedSeconds)}`}</title>
              </rect>
              <text
                class="usage-chart-value"
                x={LABEL_W + scale(r.runningSeconds + r.pausedSeconds) + 6}
                y={ROW_H / 2}
                dominant-baseline="middle"
              >
                {formatDuration(r.runningSeconds)}
              </text>
            </g>
          )}
        </For>
      </svg>
    </Show>
  );
}
