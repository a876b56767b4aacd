import { describe, expect, it } from 'vitest';
import { FLOW_RESUME_BYTES } from '../../core/protocol';
import { deliver, newViewer } from '../../durable-objects/relay/flow';

/** A viewer whose socket records what it was sent. */
function viewer(unacked: number) {
  const sent: number[] = [];
  const ws = { send: (b: Uint8Array) => sent.push(b.length) } as unknown as WebSocket;
  const v = newViewer('v', ws, 80, 24);
  v.state = 'live';
  v.unacked = unacked;
  return { v, sent };
}

const KiB = 1024;

describe('per-viewer flow control', () => {
  it('stalls a live viewer past its window while acks are still to come', () => {
    const { v, sent } = viewer(FLOW_RESUME_BYTES + 64 * KiB);
    deliver(v, new Uint8Array(256 * KiB), 512 * KiB);
    expect(v.state).toBe('stalled');
    expect(sent).toEqual([]);
  });

  it('sends a chunk bigger than what is left of the window when no ack would come to resume it', () => {
    // Everything sent was acknowledged but a client's last partial ack: stalling now would wait forever.
    const { v, sent } = viewer(10 * KiB);
    deliver(v, new Uint8Array(600 * KiB), 512 * KiB);
    expect(v.state).toBe('live');
    expect(sent).toEqual([600 * KiB]);
    expect(v.unacked).toBe(610 * KiB);
    // The next chunk waits for the acks of that one.
    deliver(v, new Uint8Array(1 * KiB), 512 * KiB);
    expect(v.state).toBe('stalled');
  });

  it('queues the first chunk for a viewer whose screen is being prepared, whatever its size', () => {
    const { v } = viewer(0);
    v.state = 'syncing';
    deliver(v, new Uint8Array(600 * KiB), 512 * KiB);
    expect(v.overflowed).toBe(false);
    expect(v.pendingBytes).toBe(600 * KiB);
    deliver(v, new Uint8Array(1 * KiB), 512 * KiB);
    expect(v.overflowed).toBe(true);
    expect(v.pendingBytes).toBe(0);
  });
});
