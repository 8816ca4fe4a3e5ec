import { describe, expect, it } from 'vitest';
import { fixedPath, setupPath } from './path.js';

describe('fixedPath', () => {
  it('adds /usr/sbin and the Homebrew folders to the bare PATH a Finder-launched app gets', () => {
    expect(fixedPath('/usr/bin:/bin:/usr/sbin:/sbin', 'darwin')).toBe('/usr/bin:/bin:/usr/sbin:/sbin:/opt/homebrew/bin:/usr/local/bin');
  });

  it('keeps the user order first and adds only what is missing', () => {
    expect(fixedPath('/home/me/go/bin:/usr/bin', 'linux')).toBe('/home/me/go/bin:/usr/bin:/usr/sbin:/sbin:/bin:/opt/homebrew/bin:/usr/local/bin');
  });

  it('builds a whole PATH from nothing', () => {
    expect(fixedPath(undefined, 'darwin')).toBe('/usr/sbin:/usr/bin:/sbin:/bin:/opt/homebrew/bin:/usr/local/bin');
    expect(fixedPath('', 'darwin').split(':')).toHaveLength(6);
  });

  it('treats a trailing slash as the same folder and drops empty entries', () => {
    expect(fixedPath('/usr/sbin/::/usr/bin', 'darwin')).toBe('/usr/sbin/:/usr/bin:/sbin:/bin:/opt/homebrew/bin:/usr/local/bin');
  });

  it('is idempotent', () => {
    const once = fixedPath('/usr/bin', 'darwin');
    expect(fixedPath(once, 'darwin')).toBe(once);
  });

  it('leaves Windows alone', () => {
    expect(fixedPath('C:\\Windows', 'win32')).toBe('C:\\Windows');
  });

  it('sets the PATH of the environment it is given', () => {
    const env: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin' };
    setupPath(env, 'darwin');
    expect(env.PATH).toContain('/usr/sbin');
  });
});
