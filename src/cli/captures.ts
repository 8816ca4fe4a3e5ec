/** `leakbar captures` lists the capture store; `leakbar baseline ID` and `leakbar pin ID` mark a capture kept there. */
import { join } from 'node:path';
import { Command } from 'commander';
import { captureCause, type CaptureMeta } from '../shared/captures.js';
import { LeakbarError } from '../shared/errors.js';
import { formatBytes } from '../shared/units.js';
import { captureBytes, checkId, createCaptureStore, type CaptureStore, type StoredCapture } from '../engine/captures/index.js';
import { defaultDataDir } from '../engine/data-dir.js';

/** Options of `leakbar captures`. */
export interface CapturesOptions {
  target?: string;
  json?: boolean;
  dataDir?: string;
}

/** The command that lists the captures of a data folder, as a person would type it. */
export function listCommand(dataDir?: string, targetId?: string): string {
  return ['leakbar captures', targetId ? `--target ${targetId}` : '', dataDir ? `--data-dir ${dataDir}` : ''].filter(Boolean).join(' ');
}

/** A store's "no such capture" error, reworded for the command line: it names the id, the store and the command that lists what is there. */
export function cliNotFound(e: unknown, id: string, store: CaptureStore, dataDir?: string): unknown {
  if (!(e instanceof LeakbarError) || e.code !== 'not-found' || !e.message.startsWith('no capture ')) return e;
  return new LeakbarError('not-found', `no capture ${id} in ${store.root}`, { cause: e, hint: `\`${listCommand(dataDir)}\` lists the captures kept there` });
}

/** One capture, or the CLI's "no such capture" error. */
export async function getForCli(store: CaptureStore, id: string, dataDir?: string): Promise<CaptureMeta> {
  try {
    return await store.get(id);
  } catch (e) {
    throw cliNotFound(e, id, store, dataDir);
  }
}

const pad2 = (n: number) => String(n).padStart(2, '0');
/** Local time as YYYY-MM-DD HH:MM:SS. */
function localTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** The marks of a capture: "baseline", "pinned", both, or "-". */
export function marksOf(c: Pick<CaptureMeta, 'baseline' | 'pinned'>): string {
  return [c.baseline ? 'baseline' : '', c.pinned ? 'pinned' : ''].filter(Boolean).join(',') || '-';
}


/** Throws LeakbarError('bad-input') unless `id` is a well-formed target id, with a target's id as the example (not a capture's). */
function checkTargetId(id: string): void {
  try {
    checkId(id, 'target id');
  } catch (e) {
    if (!(e instanceof LeakbarError)) throw e;
    throw new LeakbarError('bad-input', e.message, { hint: 'a target id is 1-64 characters of a-z, 0-9 and -, as the TARGET column of `leakbar captures` shows it, e.g. pid-4242 or my-server' });
  }
}

/** A listed capture: its metadata and its folder, its files deleted by hand marked `missing` and named in `missingFiles` (CaptureStore.onDisk). */
export type ListedCapture = StoredCapture & { dir: string };

/** What a capture holds on disk now: the listed files' bytes, less those deleted since, and which. */
function sizeCell(c: CaptureMeta): string {
  const missing = c.missingFiles ?? [];
  return missing.length === 0 ? formatBytes(captureBytes(c)) : `${formatBytes(captureBytes(c))} (${missing.join(', ')} deleted)`;
}

/** The captures as an aligned table, newest first. */
export function capturesTable(captures: readonly StoredCapture[]): string {
  const head = ['ID', 'KIND', 'TAKEN', 'TARGET', 'MARKS', 'SIZE', 'CAUSED BY'];
  // A capture whose meta.json is damaged: its marks and cause are not known, and what is wrong takes their place.
  const rows = captures.map((c) =>
    c.damaged !== undefined
      ? [c.id, c.kind, localTime(c.startedMs), c.targetId, '?', sizeCell(c), `DAMAGED: ${c.damaged}; its files are as captured`]
      : [c.id, c.kind, localTime(c.startedMs), c.targetId, marksOf(c), sizeCell(c), captureCause(c)],
  );
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

/** The captures of a data folder (of one target), newest first, each with its folder. */
export async function runCaptures(o: CapturesOptions): Promise<ListedCapture[]> {
  const store = await createCaptureStore(o.dataDir ?? defaultDataDir());
  if (o.target !== undefined) checkTargetId(o.target);
  const all = await store.list(o.target);
  // One stat per file, by the rule the API's listCaptures goes by: a file deleted by hand is said so, and its bytes are not counted as kept.
  return Promise.all(all.map((c) => store.onDisk(c)));
}

/** Marks a capture as its target's baseline; resolves with it and the baseline it replaced (null when none). */
export async function runBaseline(id: string, o: { dataDir?: string }): Promise<{ meta: CaptureMeta; previous: CaptureMeta | null }> {
  const store = await createCaptureStore(o.dataDir ?? defaultDataDir());
  const before = await getForCli(store, id, o.dataDir);
  const previous = await store.baseline(before.targetId);
  const meta = await store.markBaseline(id);
  return { meta, previous: previous && previous.id !== id ? previous : null };
}

/** Pins (or unpins) a capture, so retention never deletes it. */
export async function runPin(id: string, o: { dataDir?: string; unpin?: boolean }): Promise<CaptureMeta> {
  const store = await createCaptureStore(o.dataDir ?? defaultDataDir());
  await getForCli(store, id, o.dataDir);
  return store.setPinned(id, !o.unpin);
}

const DATA_DIR_HELP = 'the data folder holding the capture store (default: LEAKBAR_DATA_DIR or the per-user data folder)';

/** Adds `captures`, `baseline` and `pin` to the program. */
export function registerCaptures(program: Command): void {
  program
    .command('captures')
    .description('list the captures kept in the store, newest first: id, kind, time, target, baseline/pinned marks, size, the alert that caused it')
    .option('--target <id>', 'only the captures of this target')
    .option('--json', 'print the captures metadata (meta.json, plus "dir", "missingFiles" when files it lists were deleted, and "damaged" saying what is wrong with a meta.json that cannot be read) as a JSON array')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .addHelpText(
      'after',
      `
Examples:
  leakbar captures
  leakbar captures --target pid-4242 --json

Mark one as its target's baseline with \`leakbar baseline ID\`; \`leakbar report --current ID\` compares with it.`,
    )
    .action(async (opts: CapturesOptions) => {
      const captures = await runCaptures(opts);
      if (opts.json) {
        process.stdout.write(JSON.stringify(captures, null, 2) + '\n');
        return;
      }
      if (captures.length === 0) {
        process.stderr.write(`leakbar: no captures${opts.target ? ` of ${opts.target}` : ''} in ${join(opts.dataDir ?? defaultDataDir(), 'captures')} (take one with \`leakbar capture heap --pprof URL\`)\n`);
        return;
      }
      process.stdout.write(capturesTable(captures));
      const damaged = captures.filter((c) => c.damaged !== undefined);
      if (damaged.length > 0) {
        process.stderr.write(
          `leakbar: ${damaged.length === 1 ? `capture ${damaged[0]!.id} has a damaged meta.json` : `${damaged.length} captures have a damaged meta.json`} (listed from what ${damaged.length === 1 ? 'its folder holds' : 'their folders hold'}): ${damaged.length === 1 ? 'its' : 'their'} files are as captured and still read; keep ${damaged.length === 1 ? 'it' : 'them'}, and restore meta.json from a backup to mark or pin ${damaged.length === 1 ? 'it' : 'them'} again (${damaged.map((c) => c.dir).join(', ')})\n`,
        );
      }
    });

  program
    .command('baseline')
    .description("mark a capture as its target's baseline (the previous baseline is unmarked); `leakbar report --current ID` then compares with it")
    .argument('<id>', 'the capture (`leakbar captures` lists them)')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .action(async (id: string, opts: { dataDir?: string }) => {
      const { meta, previous } = await runBaseline(id, opts);
      process.stdout.write(`leakbar: ${meta.id} is now the baseline of ${meta.targetId}${previous ? ` (was ${previous.id})` : ''}\n`);
    });

  program
    .command('pin')
    .description('pin a capture so retention never deletes it (or unpin it)')
    .argument('<id>', 'the capture (`leakbar captures` lists them)')
    .option('--unpin', 'unpin it instead')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .action(async (id: string, opts: { dataDir?: string; unpin?: boolean }) => {
      const meta = await runPin(id, opts);
      process.stdout.write(`leakbar: ${meta.id} is ${meta.pinned ? 'pinned' : 'no longer pinned'}\n`);
    });
}
