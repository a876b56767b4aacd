import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SafeStorage } from 'electron';

/** What the bridge keeps: the API key it created for its own calls, and whose it is. */
export interface StoredCredentials {
  serverOrigin: string;
  userId: string;
  apiKeyId: string;
  apiKey: string;
  /** A key acts in one organization: the one active in the window when it was made. */
  organizationId?: string | null;
}

export class EncryptionUnavailableError extends Error {
  constructor(backend?: string) {
    super(
      `The system keychain is not available${backend ? ` (${backend})` : ''}: the desktop app keeps its API key in memory only and makes a new one next time.`,
    );
  }
}

/**
 * The bridge's API key, encrypted with Electron's safeStorage (Keychain, DPAPI, libsecret/kwallet) in a
 * file under userData. Never written in plaintext: when encryption is unavailable (or Linux falls back to
 * its "basic_text" backend, a fixed key), it is held in memory for this run only.
 */
export class CredentialStore {
  private memory: StoredCredentials | null = null;
  readonly file: string;

  constructor(
    private readonly safeStorage: SafeStorage,
    userData: string,
  ) {
    this.file = join(userData, 'credentials.bin');
  }

  encryptionAvailable(): boolean {
    if (!this.safeStorage.isEncryptionAvailable()) return false;
    const backend = this.safeStorage.getSelectedStorageBackend?.();
    return backend !== 'basic_text' && backend !== 'unknown';
  }

  load(): StoredCredentials | null {
    if (this.memory) return this.memory;
    if (!existsSync(this.file) || !this.encryptionAvailable()) return null;
    try {
      const parsed = JSON.parse(this.safeStorage.decryptString(readFileSync(this.file)));
      if (typeof parsed?.apiKey !== 'string' || typeof parsed?.userId !== 'string') return null;
      this.memory = parsed as StoredCredentials;
      return this.memory;
    } catch {
      // Written under another OS account or keychain: useless, forget it.
      this.clearFile();
      return null;
    }
  }

  /** Saves; returns whether it was persisted (false: kept in memory only, see EncryptionUnavailableError). */
  save(creds: StoredCredentials): boolean {
    this.memory = creds;
    if (!this.encryptionAvailable()) return false;
    const data = this.safeStorage.encryptString(JSON.stringify(creds));
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, this.file);
    try {
      chmodSync(this.file, 0o600);
    } catch {
      // Windows: ACLs of the profile folder apply.
    }
    return true;
  }

  clear() {
    this.memory = null;
    this.clearFile();
  }

  private clearFile() {
    rmSync(this.file, { force: true });
  }
}
