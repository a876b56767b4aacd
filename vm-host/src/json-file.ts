import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/** A JSON document on disk, replaced atomically (write then rename) so a crash never leaves half of it. */
export class JsonFile<T> {
  constructor(readonly path: string) {}

  read(): T | undefined {
    if (!existsSync(this.path)) return undefined;
    return JSON.parse(readFileSync(this.path, 'utf8')) as T;
  }

  write(value: T) {
    writeFileSync(`${this.path}.tmp`, JSON.stringify(value, null, 2), { mode: 0o600 });
    renameSync(`${this.path}.tmp`, this.path);
  }
}
