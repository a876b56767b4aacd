import { A } from '@solidjs/router';

export function Logo() {
  return (
    <A href="/" class="logo" aria-label="Cloud Workspaces home">
      <span class="logo-mark" aria-hidden="true">
        <svg
          viewBox="0 0 24 24"
          width="14"
          height="14"
          fill="none"
          stroke="currentColor"
          stroke-width="2.4"
          stroke-linecap="round"
          stroke-linejoin="round"
        >
          <path d="M5 16l5-4-5-4" />
          <path d="M13 17h6" />
        </svg>
      </span>
      <span class="logo-text">Cloud Workspaces</span>
    </A>
  );
}
