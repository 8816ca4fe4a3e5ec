/** The `leakbar` command line: watch, serve, profile and capture, on the same engine as the desktop app. */
import { Command, CommanderError } from 'commander';
import { describeError } from '../shared/errors.js';
import { registerWatch, terminalSafe } from './watch.js';
import { registerProfile } from './profile.js';
import { registerCapture, registerReport } from './capture.js';
import { registerCaptures } from './captures.js';
import { registerServe } from './serve.js';
import { registerOvernight } from './overnight.js';

const program = new Command('leakbar')
  .description('Watch a long-running process for memory, goroutine and file-descriptor leaks.')
  .version('0.1.0')
  .showHelpAfterError('(run `leakbar help` for usage)')
  .exitOverride();

registerWatch(program);
registerProfile(program);
registerCapture(program);
registerReport(program);
registerCaptures(program);
registerServe(program);
registerOvernight(program);

/**
 * How long the process may stay up once a command's work is done before it is made to exit. Nothing should be
 * left by then: stopping a watcher cancels its GETs (their sockets close) and clears its timers, so the process
 * ends by itself. This is only the net under a handle some future change forgets; it says so when it catches one.
 */
const EXIT_SAFETY_NET_MS = 3000;

try {
  await program.parseAsync(process.argv);
  // The process ends on its own once the event loop is empty (what was written to a pipe is flushed first).
  // The net is armed only after stdout and stderr have drained, so a slow reader of a pipe loses nothing.
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise<void>((ok) => stream.write('', () => ok()))));
  setTimeout(() => {
    process.stderr.write(`leakbar: still busy ${EXIT_SAFETY_NET_MS / 1000} s after the command ended (${process.getActiveResourcesInfo().join(', ')}); exiting (a bug: please report it)\n`, () =>
      process.exit(process.exitCode ?? 0),
    );
  }, EXIT_SAFETY_NET_MS).unref();
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  // Written whole, its final newline included, before the exit: Node writes to a pipe asynchronously on POSIX, and
  // process.exit does not wait for it (cut there, the line would end without its newline, or go missing).
  process.exitCode = 1;
  // A message may quote what a watched program or an endpoint controls: each of its lines is made safe to print.
  const text = describeError(e).replace(/\n+$/, '').split('\n').map((l) => terminalSafe(l)).join('\n');
  process.stderr.write(`leakbar: ${text}\n`, () => process.exit(1));
  setTimeout(() => process.exit(1), 2000).unref();
}
