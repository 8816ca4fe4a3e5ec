/**
 * The inspector's top table (its worker's columns through the table model) prints what `go tool pprof -top`
 * prints, row for row with units, sum% and inline marks.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AnalysisSession } from '../../src/renderer/inspector/analysis-core.js';
import type { TopColumns } from '../../src/renderer/inspector/protocol.js';
import type { TopSortKey } from '../../src/renderer/inspector/state.js';
import { pprofPercent, pprofValue, topView } from '../../src/renderer/inspector/table-model.js';

const golden = join(import.meta.dirname, '..', 'golden');

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
  const unit = top;
  return [...view.order].map((i, k) => {
    const mark = top.inline[i] === 1 ? ' (inline)' : top.inline[i] === 2 ? ' (partial-inline)' : '';
    return [pprofValue(top.flat[i]!, unit), pprofPercent(top.flat[i]!, top.total), pprofPercent(view.runningFlat[k]!, top.total), pprofValue(top.cum[i]!, unit), pprofPercent(top.cum[i]!, top.total), `${top.names[i]}${mark}`]
      .join(' ')
      .split(/\s+/)
      .join(' ');
  });
}

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
});
