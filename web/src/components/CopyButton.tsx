import { createSignal, onCleanup } from 'solid-js';
import { Button } from './Button';
import { Icon } from './Icon';
import { copyText } from '../lib/clipboard';

export function CopyButton(props: { value: string; label?: string; size?: 'sm' | 'md' }) {
  const [copied, setCopied] = createSignal(false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));
  const copy = async () => {
    await copyText(props.value);
    setCopied(true);
    clearTimeout(timer);
    timer = setTimeout(() => setCopied(false), 1500);
  };
  return (
    <Button
      size={props.size ?? 'sm'}
      variant="secondary"
      onClick={copy}
      icon={<Icon name={copied() ? 'check' : 'copy'} />}
      aria-label={props.label ? `Copy ${props.label}` : 'Copy'}
    >
      {copied() ? 'Copied' : 'Copy'}
    </Button>
  );
}
