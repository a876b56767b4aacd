import { createSignal, onMount } from 'solid-js';
import { Icon } from '../components/Icon';

export function TerminalSearchBar(props: {
  onNext: (q: string) => boolean;
  onPrevious: (q: string) => boolean;
  onClose: () => void;
}) {
  const [query, setQuery] = createSignal('');
  const [miss, setMiss] = createSignal(false);
  let input!: HTMLInputElement;
  onMount(() => input.focus());
  const next = () => setMiss(!!query() && !props.onNext(query()));
  const prev = () => setMiss(!!query() && !props.onPrevious(query()));
  return (
    <div class="term-search" role="search">
      <Icon name="search" size={13} />
      <input
        ref={input}
        class="term-search-input"
        classList={{ 'term-search-miss': miss() }}
        placeholder="Search scrollback"
        aria-label="Search terminal"
        value={query()}
        onInput={(e) => {
          setQuery(e.currentTarget.value);
          next();
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            if (e.shiftKey) prev();
            else next();
          }
          if (e.key === 'Escape') props.onClose();
        }}
      />
      <button class="tab-icon" aria-label="Previous match" onClick={prev}>
        <Icon name="chevronDown" size={13} class="flip" />
      </button>
      <button class="tab-icon" aria-label="Next match" onClick={next}>
        <Icon name="chevronDown" size={13} />
      </button>
      <button class="tab-icon" aria-label="Close search" onClick={() => props.onClose()}>
        <Icon name="x" size={13} />
      </button>
    </div>
  );
}
