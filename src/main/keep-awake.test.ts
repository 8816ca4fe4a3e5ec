import { describe, expect, it } from 'vitest';
import { hasOvernight, keepAwakeDuring, type PowerSaveBlockerLike } from './keep-awake.js';

function fakes() {
  const started = new Set<number>();
  let next = 1;
  const calls: string[] = [];
  const blocker: PowerSaveBlockerLike = {
    start: (type) => (calls.push(`start ${type}`), started.add(next), next++),
    stop: (id) => (calls.push(`stop ${id}`), started.delete(id)),
    isStarted: (id) => started.has(id),
  };
  let listener: ((running: boolean) => void) | null = null;
  const subscribe = (l: (running: boolean) => void) => ((listener = l), () => (listener = null));
  return { blocker, calls, started, subscribe, emit: (running: boolean) => listener?.(running), subscribed: () => listener !== null };
}

describe('keepAwakeDuring', () => {
  it('blocks app suspension while an overnight run goes and releases it when it ends', () => {
    const f = fakes();
    keepAwakeDuring(f.subscribe, f.blocker);
    f.emit(true);
    f.emit(true); // a repeated start holds one blocker
    expect(f.started.size).toBe(1);
    f.emit(false);
    expect(f.calls).toEqual(['start prevent-app-suspension', 'stop 1']);
  });

  it('releases the blocker and unsubscribes when disposed mid-run', () => {
    const f = fakes();
    const dispose = keepAwakeDuring(f.subscribe, f.blocker);
    f.emit(true);
    dispose();
    expect(f.started.size).toBe(0);
    expect(f.subscribed()).toBe(false);
  });

  it('does nothing while the setting is off', () => {
    const f = fakes();
    keepAwakeDuring(f.subscribe, f.blocker, () => false);
    f.emit(true);
    f.emit(false);
    expect(f.calls).toEqual([]);
  });

  it('tells a service that reports overnight runs from one that does not', () => {
    expect(hasOvernight({ onOvernight: () => () => {} })).toBe(true);
    expect(hasOvernight({})).toBe(false);
  });
});
