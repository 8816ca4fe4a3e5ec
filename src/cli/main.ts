/** The `leakbar` command line: watch, serve, profile and capture, on the same engine as the desktop app. */
import { Command, CommanderError } from 'commander';
import { describeError } from '../shared/errors.js';
import { registerWatch } from './watch.js';
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

try {
  await program.parseAsync(process.argv);
  // A pprof read still waiting on a hung endpoint must not hold the process open until its own timeout
  // (`watch --duration 2` against a server that never answers took 17 s): exit once the work is done, but
  // only after stdout and stderr have drained. A pipe takes 64 KiB at a time and Node queues the rest.
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise<void>((ok) => stream.write('', () => ok()))));
  process.exit(process.exitCode ?? 0);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  console.error(`leakbar: ${describeError(e)}`);
  process.exit(1);
}
