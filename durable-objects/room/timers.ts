import { TIMER_PREFIX as PREFIX, type TimerName } from './storage-keys';

// A Durable Object has one alarm; several concerns (provisioning retries, idle checks, heartbeat
// expiry) need timers. Each is a named due time in storage; the alarm is set to the earliest.

export async function setTimer(storage: DurableObjectStorage, name: TimerName, dueAt: number) {
  await storage.put(PREFIX + name, dueAt);
  const current = await storage.getAlarm();
  if (current === null || dueAt < current) await storage.setAlarm(dueAt);
}

export async function clearTimer(storage: DurableObjectStorage, name: TimerName) {
  await storage.delete(PREFIX + name);
}

export async function getTimer(storage: DurableObjectStorage, name: TimerName): Promise<number | undefined> {
  return storage.get<number>(PREFIX + name);
}

/** Removes and returns the timers due by `now`, and re-arms the alarm for the next one. */
export async function takeDueTimers(storage: DurableObjectStorage, now: number): Promise<TimerName[]> {
  const all = await storage.list<number>({ prefix: PREFIX });
  const due: TimerName[] = [];
  let next: number | undefined;
  for (const [key, at] of all) {
    if (at <= now) due.push(key.slice(PREFIX.length) as TimerName);
    else next = next === undefined ? at : Math.min(next, at);
  }
  if (due.length) await storage.delete(due.map((d) => PREFIX + d));
  if (next !== undefined) await storage.setAlarm(next);
  return due;
}
