import { describe, expect, it } from 'vitest';
import { keyringProblem, loadKeyring, open, seal, secretAad } from './crypto';
import { mergeEnvironment, secretNameProblem } from './rules';

const k1 = btoa(String.fromCharCode(...new Uint8Array(32).fill(1)));
const k2 = btoa(String.fromCharCode(...new Uint8Array(32).fill(2)));

describe('secrets crypto', () => {
  it('names what is wrong with a key without printing it', () => {
    expect(keyringProblem(k1)).toBeNull();
    expect(keyringProblem(`${k1},${k2}`)).toBeNull();
    expect(keyringProblem('short')).toMatch(/^key 1 (is not base64|must be 32 bytes)/);
    expect(keyringProblem(`${k1},`)).toBe('must be base64 keys separated by commas');
    expect(keyringProblem(`${k1},${btoa('x'.repeat(16))}`)).toBe(
      'key 2 must be 32 bytes (openssl rand -base64 32), not 16',
    );
    expect(keyringProblem(btoa('x'.repeat(16)))).not.toContain(btoa('x'.repeat(16)));
  });

  it('seals under the first key, opens with any, and only for the same owner and name', async () => {
    const ring = await loadKeyring(`${k2},${k1}`);
    const old = await loadKeyring(k1);
    const aad = secretAad('personal', 'u1', 'TOKEN');
    const sealed = await seal(old, 'hunter2 ✓', aad);
    expect(sealed.ciphertext).not.toContain('hunter2');
    expect(sealed.keyId).not.toBe(ring.currentId);
    await expect(open(ring, sealed, aad)).resolves.toBe('hunter2 ✓');
    await expect(open(ring, sealed, secretAad('personal', 'u2', 'TOKEN'))).rejects.toThrow();
    await expect(open(ring, sealed, secretAad('personal', 'u1', 'OTHER'))).rejects.toThrow();
    const again = await seal(ring, 'hunter2 ✓', aad);
    expect(again.keyId).toBe(ring.currentId);
    expect(again.iv).not.toBe(sealed.iv);
    await expect(open(await loadKeyring(k2), sealed, aad)).rejects.toThrow(/no key with id/);
  });

  it('merges lowest precedence first and checks names', () => {
    expect(mergeEnvironment({ A: 'env', B: 'env' }, { B: 'org', C: 'org' }, undefined, { C: 'me' })).toEqual({
      A: 'env',
      B: 'org',
      C: 'me',
    });
    expect(secretNameProblem('_OK_1')).toBeNull();
    for (const bad of ['', '1X', 'A-B', 'A B', 'É']) expect(secretNameProblem(bad)).not.toBeNull();
  });
});
