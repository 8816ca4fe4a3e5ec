import { describe, expect, it } from 'vitest';
import { summary } from '../../test/main/builders.js';
import type { LeakbarApi, TargetInput, TargetSummary } from '../shared/api.js';
import { createPauseControl, targetInputFromConfig } from './targets.js';

describe('targetInputFromConfig', () => {
  it('describes a target by match or by pid, as addTarget takes it', () => {
    expect(targetInputFromConfig({ id: 'api', name: 'api', selector: { match: 'api-server' }, pprofUrl: null, fdPatterns: ['.x'] })).toEqual({ id: 'api', name: 'api', match: 'api-server', pprofUrl: null, fdPatterns: ['.x'] });
    expect(targetInputFromConfig({ id: 'p', name: 'p', selector: { pid: 42 }, pprofUrl: 'http://127.0.0.1:6060/debug/pprof/', fdPatterns: [] })).toMatchObject({ pid: 42 });
  });
});

describe('createPauseControl', () => {
  it('stops every target on pause and adds the same ones back on resume', async () => {
    let targets: TargetSummary[] = [summary('api'), summary('worker')];
    const added: TargetInput[] = [];
    const api = {
      listTargets: async () => targets,
      removeTarget: async ({ targetId }: { targetId: string }) => {
        targets = targets.filter((t) => t.target.id !== targetId);
        return { removed: true };
      },
      addTarget: async (input: TargetInput) => (added.push(input), summary(input.name!)),
    } as unknown as LeakbarApi; // only the three calls pause uses
    const changes: boolean[] = [];
    const pause = createPauseControl(api, (p) => changes.push(p));
    await pause.setPaused(true);
    expect(pause.paused).toBe(true);
    expect(targets).toEqual([]);
    await pause.setPaused(true);
    await pause.setPaused(false);
    expect(added.map((t) => t.name)).toEqual(['api', 'worker']);
    expect(changes).toEqual([true, false]);
  });
});
