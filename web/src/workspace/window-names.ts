// Local tab names, used when the server cannot rename a window (kept per browser).
const KEY = 'cw.terminal-names';

function load(): Record<string, string> {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '{}');
  } catch {
    return {};
  }
}

export function localName(windowId: string): string | undefined {
  return load()[windowId];
}

export function setLocalName(windowId: string, name: string) {
  const all = load();
  all[windowId] = name;
  localStorage.setItem(KEY, JSON.stringify(all));
}
