// Runs sandboxed in the page's isolated world: only `electron`'s renderer modules are available here.
import { contextBridge, ipcRenderer } from 'electron';
import { DESKTOP_BRIDGE_GLOBAL } from '../../core/desktop-bridge';
import { createBridge } from './preload-bridge';

contextBridge.exposeInMainWorld(DESKTOP_BRIDGE_GLOBAL, createBridge(ipcRenderer, process.platform));
