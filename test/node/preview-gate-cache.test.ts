import { describe, expect, it } from 'vitest';
import {
  GATE_TTL_MS,
  cachedGate,
  forgetWorkspaceGates,
  gateKey,
  rememberGate,
} from '../../worker/preview/gate-cache';

// The Worker keeps the room's "forward" decision for half a second: what it keeps, for whom, how long.

const forward = { kind: 'forward' as const, domain: '3000-w.localhost', name: 'ws' };

describe('preview gate cache', () => {
  it('keeps a forward decision for half a second, per workspace, port and caller', () => {
    const now = 1_000_000;
    const mine = gateKey('w1', { port: 3000, token: 'tok-a', html: false });
    rememberGate(mine, forward, now);
    expect(cachedGate(mine, now + GATE_TTL_MS - 1)).toEqual(forward);
    expect(cachedGate(mine, now + GATE_TTL_MS)).toBeUndefined();
    rememberGate(mine, forward, now);
    // Another cookie, another port, another workspace, nobody, or a key: each asks the room.
    expect(cachedGate(gateKey('w1', { port: 3000, token: 'tok-b', html: false }), now)).toBeUndefined();
    expect(cachedGate(gateKey('w1', { port: 3001, token: 'tok-a', html: false }), now)).toBeUndefined();
    expect(cachedGate(gateKey('w2', { port: 3000, token: 'tok-a', html: false }), now)).toBeUndefined();
    expect(cachedGate(gateKey('w1', { port: 3000, html: false }), now)).toBeUndefined();
    const key = gateKey('w1', { port: 3000, principal: { userId: 'u', keyId: 'k' }, html: false });
    expect(cachedGate(key, now)).toBeUndefined();
    // The browser's and a tool's request share the decision (html only matters when it is not "forward").
    expect(cachedGate(gateKey('w1', { port: 3000, token: 'tok-a', html: true }), now)).toEqual(forward);
  });

  it('keeps nothing but "forward", and forgets a workspace at once', () => {
    const now = 2_000_000;
    const k = gateKey('w3', { port: 3000, token: 't', html: true });
    rememberGate(k, forward, now);
    rememberGate(k, { kind: 'login', name: 'ws' }, now);
    expect(cachedGate(k, now)).toBeUndefined();
    rememberGate(k, forward, now);
    const other = gateKey('w4', { port: 3000, token: 't', html: true });
    rememberGate(other, forward, now);
    forgetWorkspaceGates('w3');
    expect(cachedGate(k, now)).toBeUndefined();
    expect(cachedGate(other, now)).toEqual(forward);
  });
});
