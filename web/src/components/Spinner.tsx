export function Spinner(props: { size?: number; label?: string }) {
  return (
    <span
      class="spinner"
      role="status"
      aria-label={props.label ?? 'Loading'}
      style={{ width: `${props.size ?? 16}px`, height: `${props.size ?? 16}px` }}
    />
  );
}
