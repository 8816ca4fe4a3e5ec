/** checkPidExists tells a zombie by its error's reason, never by a word of its message. */
import { describe, expect, it } from 'vitest';
import { checkPidExists } from '../../src/cli/watch.js';
import { LeakbarError } from '../../src/shared/errors.js';

const failingWith = (e: LeakbarError) => ({
  readProcess: () => Promise.reject(e),
});

describe('checkPidExists', () => {
  it('says a zombie has exited, with what each command can do instead, when its error has the zombie reason', async () => {
    const zombie = new LeakbarError('no-such-process', 'process 42 has exited (not reaped yet)', { hint: 'its parent reaps it', reason: 'zombie' });
    await expect(checkPidExists(failingWith(zombie), 42)).rejects.toMatchObject({
      code: 'no-such-process',
      reason: 'zombie',
      message: 'process 42 has exited (not reaped yet)',
      hint: "its parent reaps it; watch by --match REGEX to wait for the program's next run",
    });
    await expect(checkPidExists(failingWith(zombie), 42, 'capture')).rejects.toMatchObject({ hint: 'its parent reaps it; capture by --match REGEX when the program runs again, or give the PID of its next run' });
    await expect(checkPidExists(failingWith(zombie), 42, 'serve')).rejects.toMatchObject({ hint: `its parent reaps it; serve by --match REGEX (or "match" for that target in the --config file) to wait for the program's next run` });
  });

  it('takes a message that happens to say "zombie" for no zombie without the reason', async () => {
    const gone = new LeakbarError('no-such-process', 'process 42 (zombie-server) is gone');
    await expect(checkPidExists(failingWith(gone), 42, 'serve')).rejects.toMatchObject({
      message: 'no process has PID 42',
      hint: 'check it with `ps -p 42`, or serve by --match REGEX (or "match" for that target in the --config file) to wait for the program',
    });
  });
});
