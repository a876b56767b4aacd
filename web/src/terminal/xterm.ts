// xterm.js with the addons the product uses: fit (follows the pane), web links (clickable URLs), search.
import { Terminal, type ITheme } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { SearchAddon } from '@xterm/addon-search';
import '@xterm/xterm/css/xterm.css';

const THEME: ITheme = {
  background: '#0e0e12',
  foreground: '#e6e6ea',
  cursor: '#c9c9ff',
  cursorAccent: '#0e0e12',
  selectionBackground: '#3a3a6a',
  black: '#1c1c22',
  red: '#f06464',
  green: '#3fcf7f',
  yellow: '#f0c33a',
  blue: '#6aa2f5',
  magenta: '#c486f5',
  cyan: '#4fd1d9',
  white: '#d6d6de',
  brightBlack: '#5c5c68',
  brightRed: '#ff8080',
  brightGreen: '#6ee7a0',
  brightYellow: '#ffd866',
  brightBlue: '#8ab8ff',
  brightMagenta: '#d9a8ff',
  brightCyan: '#7ee8ee',
  brightWhite: '#ffffff',
};

export interface XtermBundle {
  term: Terminal;
  fit: FitAddon;
  search: SearchAddon;
}

/** `linkTarget` maps a clicked link to where it opens (localhost links: the port's preview URL). */
export function createXterm(linkTarget: (uri: string) => string = (uri) => uri): XtermBundle {
  const term = new Terminal({
    theme: THEME,
    fontFamily:
      "'JetBrains Mono', ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace",
    fontSize: 13,
    lineHeight: 1.2,
    cursorBlink: true,
    scrollback: 5000,
    allowProposedApi: true,
    macOptionIsMeta: true,
    rightClickSelectsWord: true,
  });
  const fit = new FitAddon();
  const search = new SearchAddon();
  term.loadAddon(fit);
  term.loadAddon(search);
  term.loadAddon(
    new WebLinksAddon((event, uri) => {
      event.preventDefault();
      window.open(linkTarget(uri), '_blank', 'noopener,noreferrer');
    }),
  );
  return { term, fit, search };
}

export const SEARCH_DECORATIONS = {
  matchBackground: '#5b5b2a',
  matchOverviewRuler: '#d4b84a',
  activeMatchBackground: '#8a6d1a',
  activeMatchColorOverviewRuler: '#ffd866',
};
