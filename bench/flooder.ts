import WebSocket from 'ws';

/**
 * A hostile viewer: sends `framesPerSecond` small control frames on a terminal socket, and opens a new
 * socket whenever the room closes it (as a misbehaving client would), until stopped.
 */
export function startFlooder(url: string, headers: Record<string, string>, framesPerSecond: number) {
  const stats = { frames: 0, sockets: 0, closedWith: [] as number[] };
  let ws: WebSocket | null = null;
  let stopped = false;
  const connect = () => {
    if (stopped) return;
    stats.sockets++;
    const s = new WebSocket(url, { headers, perMessageDeflate: false });
    s.on('error', () => {});
    s.on('close', (code) => {
      stats.closedWith.push(code);
      if (ws === s) ws = null;
      setTimeout(connect, 50);
    });
    s.once('open', () => (ws = s));
  };
  connect();
  const perTick = Math.max(1, Math.round(framesPerSecond / 100));
  const tick = setInterval(() => {
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    for (let i = 0; i < perTick; i++) ws.send('{"type":"ping"}');
    stats.frames += perTick;
  }, 10);
  return {
    stop() {
      stopped = true;
      clearInterval(tick);
      ws?.terminate();
      return stats;
    },
  };
}
