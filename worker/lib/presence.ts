import type { PresenceSession } from '../../core/api/sessions';

/**
 * What a teammate may see of other people's sessions: who and from which client, not their machine's
 * name (`clientInfo`) or local paths. One's own sessions are shown whole.
 */
export function redactOthers<S extends Pick<PresenceSession, 'userId' | 'clientInfo' | 'localWorktreePath'>>(
  sessions: S[],
  userId: string,
): S[] {
  return sessions.map((s) => (s.userId === userId ? s : { ...s, clientInfo: null, localWorktreePath: null }));
}
