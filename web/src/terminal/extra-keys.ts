// The keys a phone's on-screen keyboard lacks (as Blink and Termius add them): what each sends, and
// how the sticky Ctrl and Alt change the next key typed.

export type ExtraKey = 'esc' | 'tab' | 'up' | 'down' | 'left' | 'right' | '|' | '~' | '/';

export const EXTRA_KEYS: { key: ExtraKey; label: string; aria: string }[] = [
  { key: 'esc', label: 'Esc', aria: 'Escape' },
  { key: 'tab', label: 'Tab', aria: 'Tab' },
  { key: 'up', label: '↑', aria: 'Up arrow' },
  { key: 'down', label: '↓', aria: 'Down arrow' },
  { key: 'left', label: '←', aria: 'Left arrow' },
  { key: 'right', label: '→', aria: 'Right arrow' },
  { key: '|', label: '|', aria: 'Pipe' },
  { key: '~', label: '~', aria: 'Tilde' },
  { key: '/', label: '/', aria: 'Slash' },
];

const ARROW: Record<string, string> = { up: 'A', down: 'B', right: 'C', left: 'D' };

export interface Modifiers {
  ctrl: boolean;
  alt: boolean;
}

/** Ctrl on one character: letters and @[\]^_ to C0 controls, space to NUL, ? to DEL; else unchanged. */
export function ctrlOf(ch: string): string {
  if (ch === ' ') return '\x00';
  if (ch === '?') return '\x7f';
  const c = ch.toUpperCase().charCodeAt(0);
  if (ch.length === 1 && c >= 0x40 && c <= 0x5f) return String.fromCharCode(c & 0x1f);
  return ch;
}

/** What typed text becomes under the armed modifiers (only a single key is modified). */
export function applyModifiers(data: string, m: Modifiers): string {
  if (!m.ctrl && !m.alt) return data;
  if ([...data].length !== 1) return data;
  const base = m.ctrl ? ctrlOf(data) : data;
  return m.alt ? '\x1b' + base : base;
}

/** The bytes of an extra key; arrows follow the terminal's cursor-key mode, and take modifiers. */
export function extraKeyData(key: ExtraKey, m: Modifiers, applicationCursor: boolean): string {
  const arrow = ARROW[key];
  if (arrow) {
    const mod = 1 + (m.alt ? 2 : 0) + (m.ctrl ? 4 : 0);
    if (mod > 1) return `\x1b[1;${mod}${arrow}`;
    return (applicationCursor ? '\x1bO' : '\x1b[') + arrow;
  }
  if (key === 'esc') return m.alt ? '\x1b\x1b' : '\x1b';
  if (key === 'tab') return m.alt ? '\x1b\t' : '\t';
  return applyModifiers(key, m);
}
