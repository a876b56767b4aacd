import { For } from 'solid-js';

export function ListSkeleton(props: { rows?: number }) {
  return (
    <ul class="list" aria-busy="true" aria-label="Loading">
      <For each={Array.from({ length: props.rows ?? 3 })}>
        {() => (
          <li class="list-item">
            <div class="skeleton" style={{ width: '28px', height: '28px', 'border-radius': '50%' }} />
            <div class="list-item-main stack" style={{ gap: '6px' }}>
              <div class="skeleton" style={{ width: '40%', height: '12px' }} />
              <div class="skeleton" style={{ width: '25%', height: '10px' }} />
            </div>
          </li>
        )}
      </For>
    </ul>
  );
}
