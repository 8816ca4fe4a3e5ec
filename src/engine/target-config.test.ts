import { describe, expect, it } from 'vitest';
import { targetConfigFrom } from './service.js';
import { patchTargetConfig } from './target-patch.js';

describe('a target description made into a config', () => {
  it('names a target without a name by its pattern or pid, as the command line does', () => {
    expect(targetConfigFrom({ match: 'node .*vite' }, new Set())).toMatchObject({ id: 'node-vite', name: 'node .*vite', selector: { match: 'node .*vite' } });
    expect(targetConfigFrom({ pid: 42 }, new Set())).toMatchObject({ id: 'pid-42', name: 'pid 42', selector: { pid: 42 } });
    // A second one of the same pattern gets an id of its own.
    expect(targetConfigFrom({ match: 'node .*vite' }, new Set(['node-vite'])).id).toBe('node-vite-2');
  });

  it('keeps the name when a patch leaves it out', () => {
    const config = targetConfigFrom({ name: 'dev server', match: 'vite' }, new Set());
    expect(patchTargetConfig(config, { pprofUrl: null })).toMatchObject({ name: 'dev server', pprofUrl: null });
  });
});
