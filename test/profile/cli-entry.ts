/** Runs `leakbar profile …` from source (without the rest of the CLI), for the CLI tests. */
import { Command, CommanderError } from 'commander';
import { describeError } from '../../src/shared/errors.js';
import { registerProfile } from '../../src/cli/profile.js';

const program = new Command('leakbar').exitOverride();
registerProfile(program);
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  console.error(`leakbar: ${describeError(e)}`);
  process.exit(1);
}
