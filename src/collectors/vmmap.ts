/** vmmap (macOS): parses `vmmap -summary PID` — the physical footprint and its peak, the region table and the malloc zone table — and runs it. */
import { LeakbarError } from '../shared/errors.js';
import type { MallocZone, MemoryMap, MemoryRegion } from '../shared/types.js';
import type { ExecFn } from './types.js';

/** Where macOS keeps vmmap. */
export const VMMAP_PATH_DARWIN = '/usr/bin/vmmap';

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5 };
const SIZE = /^(\d+(?:\.\d+)?)([KMGTP]?)$/;

/** A vmmap size (`1.2G`, `384K`, `16.0M`, `0K`, or bare bytes like `824`) in bytes; null when it is not one. */
export function parseVmmapSize(text: string): number | null {
  const m = SIZE.exec(text);
  return m ? Math.round(Number(m[1]) * UNITS[m[2]!]!) : null;
}

/** A number vmmap prints in a table cell: a size, a count, or a percentage (`16%`). */
const CELL = /^\d+(?:\.\d+)?[KMGTP%]?$/;

interface Token {
  text: string;
  at: number;
}

function tokens(line: string): Token[] {
  return [...line.matchAll(/\S+/g)].map((m) => ({ text: m[0], at: m.index }));
}

/** A table row: the name (which may hold spaces) and its cells, up to the first word after them. */
interface Row {
  name: string;
  cells: string[];
}

/** Splits a row into its name and the first run of `cellCount` cells after it (trailing notes like "see MALLOC ZONE table below" dropped). */
function splitRow(line: string, cellCount: number): Row | null {
  const t = tokens(line);
  for (let i = 1; i + cellCount <= t.length; i++) {
    let ok = true;
    for (let j = i; j < i + cellCount && ok; j++) ok = CELL.test(t[j]!.text);
    if (ok) return { name: line.slice(0, t[i]!.at).trim(), cells: t.slice(i, i + cellCount).map((x) => x.text) };
  }
  return null;
}

/** One table of a vmmap summary: the column names of its upper header line, and its rows (TOTAL rows apart). */
interface Table {
  columns: string[];
  rows: Row[];
  total: Row | null;
}

/**
 * Reads the table whose lower header line is at `headerAt`: the upper header line above it names
 * the numeric columns (VIRTUAL, RESIDENT, DIRTY, SWAPPED, …, REGION); a `====` line opens the
 * rows, another closes them, and TOTAL lines follow.
 */
function readTable(lines: readonly string[], headerAt: number, extraCells: number): Table {
  const columns = tokens(lines[headerAt - 1] ?? '').map((t) => t.text);
  if (columns.length < 2) throw new LeakbarError('parse-error', `vmmap table at line ${headerAt + 1} has no column header above it`);
  const cellCount = columns.length + extraCells;
  const rows: Row[] = [];
  let total: Row | null = null;
  let i = headerAt + 1;
  if (/^=+/.test(lines[i] ?? '')) i++;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^=+/.test(line)) continue;
    if (line.trim() === '') break;
    const row = splitRow(line, cellCount);
    if (!row) throw new LeakbarError('parse-error', `unexpected vmmap row: ${JSON.stringify(line.slice(0, 60))}`);
    if (row.name.startsWith('TOTAL')) total ??= row;
    else rows.push(row);
  }
  return { columns, rows, total };
}

/** A cell of `row` by its upper-header column name, in bytes (or as a count); 0 when the column is absent. */
function cell(table: Table, row: Row, column: string): number {
  const i = table.columns.indexOf(column);
  if (i < 0) return 0;
  const text = row.cells[i] ?? '';
  const v = parseVmmapSize(text);
  if (v === null) throw new LeakbarError('parse-error', `vmmap ${column} of ${JSON.stringify(row.name)} is not a size: ${JSON.stringify(text)}`);
  return v;
}

/**
 * Parses `vmmap -summary PID` (also `--summary`): "Physical footprint" and its peak, each REGION
 * TYPE row (VIRTUAL, RESIDENT, DIRTY, SWAPPED sizes and REGION COUNT), and each MALLOC ZONE row.
 * rssBytes, swapBytes and regionCount come from the region table's TOTAL row (summed rows without one).
 *
 * @throws LeakbarError 'parse-error' when there is no region table or a row does not read.
 */
export function parseVmmapSummary(text: string): MemoryMap {
  const lines = text.split(/\r?\n/);
  const footprint = /^Physical footprint:\s+(\S+)/m.exec(text);
  const peak = /^Physical footprint \(peak\):\s+(\S+)/m.exec(text);
  const regionAt = lines.findIndex((l) => /^REGION TYPE\s/.test(l));
  if (regionAt < 0) throw new LeakbarError('parse-error', 'no REGION TYPE table in the vmmap output', { hint: 'leakbar reads `vmmap -summary PID`' });
  const regionTable = readTable(lines, regionAt, 0);
  const regions: MemoryRegion[] = regionTable.rows.map((r) => ({
    name: r.name,
    virtualBytes: cell(regionTable, r, 'VIRTUAL'),
    residentBytes: cell(regionTable, r, 'RESIDENT'),
    dirtyBytes: cell(regionTable, r, 'DIRTY'),
    swappedBytes: cell(regionTable, r, 'SWAPPED'),
    regionCount: cell(regionTable, r, 'REGION'),
  }));

  const mallocZones: MallocZone[] = [];
  const zoneAt = lines.findIndex((l) => /^MALLOC ZONE\s/.test(l));
  if (zoneAt >= 0) {
    // The upper header has no word over "% FRAG", so a row has one cell more than it names.
    const zoneTable = readTable(lines, zoneAt, 1);
    for (const r of zoneTable.rows) {
      mallocZones.push({
        name: r.name,
        virtualBytes: cell(zoneTable, r, 'VIRTUAL'),
        residentBytes: cell(zoneTable, r, 'RESIDENT'),
        dirtyBytes: cell(zoneTable, r, 'DIRTY'),
        swappedBytes: cell(zoneTable, r, 'SWAPPED'),
        allocationCount: cell(zoneTable, r, 'ALLOCATION'),
        allocatedBytes: cell(zoneTable, r, 'BYTES'),
      });
    }
  }

  const total = regionTable.total;
  const sum = (key: keyof MemoryRegion) => regions.reduce((s, r) => s + (r[key] as number), 0);
  return {
    source: 'vmmap',
    rssBytes: total ? cell(regionTable, total, 'RESIDENT') : sum('residentBytes'),
    pssBytes: null,
    anonymousBytes: null,
    swapBytes: total ? cell(regionTable, total, 'SWAPPED') : sum('swappedBytes'),
    regionCount: total ? cell(regionTable, total, 'REGION') : sum('regionCount'),
    physFootprintBytes: footprint ? parseVmmapSize(footprint[1]!) : null,
    physFootprintPeakBytes: peak ? parseVmmapSize(peak[1]!) : null,
    regions,
    mallocZones,
  };
}

/**
 * Runs `vmmap -summary PID` and parses it. vmmap pauses the target while it walks its memory, for
 * up to a few seconds on a large process: keep its cadence long.
 */
export async function runVmmap(pid: number, exec: ExecFn, options: { timeoutMs: number; vmmapPath?: string; signal?: AbortSignal }): Promise<MemoryMap> {
  const stdout = await exec(options.vmmapPath ?? VMMAP_PATH_DARWIN, ['-summary', String(pid)], { timeoutMs: options.timeoutMs, signal: options.signal });
  return parseVmmapSummary(stdout);
}
