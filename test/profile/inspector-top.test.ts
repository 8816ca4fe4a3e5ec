/**
 * The inspector's top table (its worker's columns through the table model) prints what `go tool pprof -top`
 * prints, row for row with units, sum% and inline marks: sorted by cum, at files granularity, and with every
 * row shown (`-nodefraction=0`), including a heap where pprof's own rows are all large.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { AnalysisSession } from '../../src/renderer/inspector/analysis-core.js';
import type { TopColumns } from '../../src/renderer/inspector/protocol.js';
import type { TopSortKey } from '../../src/renderer/inspector/state.js';
import { pprofPercent, pprofValue, topView } from '../../src/renderer/inspector/table-model.js';
import { synthProfile } from './synth.js';

const golden = join(import.meta.dirname, '..', 'golden');
const dir = mkdtempSync(join(tmpdir(), 'leakbar-itop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The rows of `go tool pprof -top` text, as printed: flat, flat%, sum%, cum, cum%, name with its inline mark. */
function pprofRows(text: string): string[] {
  const lines = text.split('\n');
  const head = lines.findIndex((l) => l.trimStart().startsWith('flat  flat%'));
  return lines
    .slice(head + 1)
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s+/).join(' '));
}

/** The inspector's rows as the table shows them (all, or pprof's). */
function inspectorRows(top: TopColumns, all: boolean, sort: TopSortKey): string[] {
  const view = topView(top, all ? null : top.pprofKept, sort, false);
  const unit = { unit: top.unit, outputUnit: view.outputUnit };
  return [...view.order].map((i, k) => {
    const mark = view.inline[i] === 1 ? ' (inline)' : view.inline[i] === 2 ? ' (partial-inline)' : '';
    return [pprofValue(top.flat[i]!, unit), pprofPercent(top.flat[i]!, top.total), pprofPercent(view.runningFlat[k]!, top.total), pprofValue(top.cum[i]!, unit), pprofPercent(top.cum[i]!, top.total), `${top.names[i]}${mark}`]
      .join(' ')
      .split(/\s+/)
      .join(' ');
  });
}

const pprof = (args: string[]): Promise<string> =>
  new Promise((ok, fail) => execFile('go', ['tool', 'pprof', '-top', ...args], { env: { ...process.env, TZ: 'UTC', PPROF_TMPDIR: dir }, timeout: 60_000 }, (e, out) => (e ? fail(e) : ok(out))));

async function topOf(bytes: Uint8Array, sampleType: string, granularity: 'functions' | 'files' = 'functions'): Promise<TopColumns> {
  const s = new AnalysisSession();
  await s.handle({ type: 'open', key: 'p', bytes: new Uint8Array(bytes).buffer });
  return (await s.handle({ type: 'profile', key: 'p', sampleType, granularity })).result.top;
}

describe("the inspector's top table, against go tool pprof -top", () => {
  it('sorted by cum: equal cum in name order, so sum% is pprof’s (every golden -cum report)', async () => {
    const cases = readdirSync(golden).flatMap((f) => {
      const m = /^(heap-[12]|allocs-2|cpu-[12]|goroutine-[12]|manystacks-heap)\.(\w+)\.cum\.txt$/.exec(f);
      return m && !m[2]!.startsWith('nodecount') ? [{ file: f, profile: `${m[1]}.pb.gz`, sampleType: m[2]! }] : [];
    });
    expect(cases.length).toBeGreaterThan(15);
    for (const c of cases) {
      const top = await topOf(readFileSync(join(golden, c.profile)), c.sampleType);
      expect(inspectorRows(top, false, 'cum'), c.file).toEqual(pprofRows(readFileSync(join(golden, c.file), 'utf8')));
    }
  });

  it('at files granularity marks "(inline)" only where pprof does (its trimmed graph)', async () => {
    // data/leaky-heap.pb.gz: a bundle capture of test/fixtures/leaky, whose bytes/buffer.go row is inline only
    // in the untrimmed graph (alloc_space).
    const files = [join(import.meta.dirname, 'data', 'leaky-heap.pb.gz'), join(golden, 'heap-2.pb.gz')];
    for (const f of files) {
      for (const sampleType of ['alloc_space', 'alloc_objects', 'inuse_space', 'inuse_objects']) {
        for (const granularity of ['files', 'functions'] as const) {
          const top = await topOf(readFileSync(f), sampleType, granularity);
          const args = [`-${granularity}`, `-sample_index=${sampleType}`];
          expect(inspectorRows(top, false, 'flat'), `${f} ${sampleType} ${granularity}`).toEqual(pprofRows(await pprof([...args, f])));
          expect(inspectorRows(top, true, 'flat'), `${f} ${sampleType} ${granularity} all`).toEqual(pprofRows(await pprof([...args, '-nodefraction=0', f])));
          expect(inspectorRows(top, false, 'cum'), `${f} ${sampleType} ${granularity} cum`).toEqual(pprofRows(await pprof([...args, '-cum', f])));
        }
      }
    }
  });

  it('shows every row in units picked for them, as pprof -nodefraction=0 does: a small row is not "0"', async () => {
    // One 10 MB function, and 300 of 100-399 B: pprof's own rows are all in MB.
    const file = join(dir, 'many.pb.gz');
    const samples = [{ stack: ['main.big', 'main.main'], values: [1, 10_000_000] }];
    for (let i = 0; i < 300; i++) samples.push({ stack: [`main.tiny${i}`, 'main.main'], values: [1, 100 + i] });
    writeFileSync(file, gzipSync(synthProfile(['objects/count', 'space/bytes'], samples)));
    const top = await topOf(readFileSync(file), 'space');
    const all = inspectorRows(top, true, 'flat');
    expect(all).toEqual(pprofRows(await pprof(['-nodefraction=0', file])));
    expect(all.some((r) => r.startsWith('0.39kB '))).toBe(true);
    expect(inspectorRows(top, false, 'flat')).toEqual(pprofRows(await pprof([file])));
    expect(inspectorRows(top, true, 'cum')).toEqual(pprofRows(await pprof(['-cum', '-nodefraction=0', file])));
  });
});
