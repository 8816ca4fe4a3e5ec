/**
 * What an alert's capture shows: the leaking thing, named. Against the last healthy capture of the
 * same target (one taken without an alert, else the baseline) it is the diff's top row — the group,
 * function or file that grew; with no earlier capture, the capture alone (largest group, top in-use
 * function, most repeated file).
 */
import type { CaptureFile, CaptureMeta } from '../shared/captures.js';
import { formatBytes, formatCount } from '../shared/units.js';
import { groupName, idleWaitText, parseGoroutineDump } from '../analysis/goroutines/index.js';
import { top } from '../analysis/pprof/index.js';
import { decodeStoredProfileAsync, fdSection, goroutineSection, heapSection, parseFdSnapshot, type CaptureReader } from './captures/index.js';

/** What the service attaches to an alert once its capture is in. */
export interface AlertFinding {
  captureId: string;
  /** One line naming the leaking thing, or null when the capture shows nothing clear. */
  finding: string | null;
}

const has = (m: CaptureMeta, role: CaptureFile['role']) => m.files.some((f) => f.role === role);
const clock = (ms: number) => new Date(ms).toISOString().slice(11, 16);

/** The role an alert's capture is read for. */
function roleOf(capture: CaptureMeta): CaptureFile['role'] | null {
  if (capture.kind === 'heap') return 'heap';
  if (capture.kind === 'goroutine') return 'goroutine-dump';
  if (capture.kind === 'system') return 'fds';
  return null;
}

/** The last capture before `capture` that holds the same role and was taken while healthy; else the baseline. */
export function healthyBase(capture: CaptureMeta, earlier: readonly (CaptureMeta & { damaged?: string })[], role: CaptureFile['role']): CaptureMeta | null {
  // A capture whose meta.json is damaged cannot say whether it was taken for an alert: never taken for a healthy one.
  const candidates = earlier.filter((m) => m.id !== capture.id && m.damaged === undefined && m.startedMs < capture.startedMs && has(m, role));
  const healthy = candidates.filter((m) => m.alertKey === null).sort((a, b) => b.startedMs - a.startedMs)[0];
  return healthy ?? candidates.find((m) => m.baseline) ?? null;
}

/**
 * The files that lead, largest first: the first, and those within half of it (up to three; "+N more" past them),
 * since a leak often opens a few files alike and naming one hides the others. Files that share one figure are said
 * once ("a, b, c +312 each"). Null for none.
 */
export function namedAlike(items: ReadonlyArray<{ name: string; n: number }>, figure: (n: number) => string): string | null {
  const sorted = [...items].sort((a, b) => b.n - a.n);
  if (sorted.length === 0) return null;
  const close = sorted.filter((x) => x.n * 2 >= sorted[0]!.n);
  const shown = close.slice(0, 3);
  const more = close.length > shown.length ? ` (+${close.length - shown.length} more)` : '';
  if (shown.length > 1 && shown.every((x) => x.n === shown[0]!.n)) return `${shown.map((x) => x.name).join(', ')} ${figure(shown[0]!.n)} each${more}`;
  return `${shown.map((x) => `${x.name} ${figure(x.n)}`).join(', ')}${more}`;
}

/** Names what `capture` (taken for `alert`) shows, against a healthy earlier capture when there is one. */
export async function findingFor(reader: CaptureReader, capture: CaptureMeta, earlier: readonly CaptureMeta[]): Promise<AlertFinding> {
  const role = roleOf(capture);
  const none = { captureId: capture.id, finding: null };
  if (!role || !has(capture, role)) return none;
  const base = healthyBase(capture, earlier, role);
  // The capture's time is said: the alert goes on after it, and its figures move on from what the capture saw.
  const at = clock(capture.startedMs);
  try {
    if (base) {
      const span = `from ${clock(base.startedMs)} to ${at}`;
      if (role === 'heap') {
        const r = (await heapSection(reader, base, capture, { maxRows: 1 }))?.rows[0];
        if (r && Number(r.deltaBytes) > 0) return { captureId: capture.id, finding: `${r.function}: ${r.delta} in use ${span}` };
      } else if (role === 'goroutine-dump') {
        const r = (await goroutineSection(reader, base, capture, { maxRows: 1 }))?.rows[0];
        if (r && Number(r.delta) > 0) return { captureId: capture.id, finding: `${r.group}: +${formatCount(Number(r.delta))} goroutines ${span}${r.state ? ` (${r.state})` : ''}${r.idle ? `; ${r.idle}` : ''}` };
      } else {
        const rows = (await fdSection(reader, base, capture, { maxRows: 5 }))?.rows.filter((x) => x.what === 'file' && Number(x.delta) > 0) ?? [];
        const named = namedAlike(rows.map((x) => ({ name: String(x.name), n: Number(x.delta) })), (n) => `+${formatCount(n)}`);
        if (named) return { captureId: capture.id, finding: `${named} open ${span}` };
      }
    }
    // No healthy capture to compare with: what the capture alone shows.
    const file = capture.files.find((f) => f.role === role)!;
    const bytes = await reader.readFile(capture.id, file.name);
    if (role === 'heap') {
      const row = top({ profile: await decodeStoredProfileAsync(bytes) }, { sampleType: 'inuse_space', nodeCount: 1 }).rows[0];
      return row ? { captureId: capture.id, finding: `most memory in use at ${at}: ${row.name} (${formatBytes(row.flat)})` } : none;
    }
    if (role === 'goroutine-dump') {
      const g = parseGoroutineDump(new TextDecoder().decode(bytes)).groups[0];
      const state = g?.states[0]?.state;
      // Idle HTTP connections may be the largest group: the finding says they wait by design (or why they are flagged).
      const idle = g ? idleWaitText(g) : null;
      return g ? { captureId: capture.id, finding: `largest group at ${at}: ${groupName(g)} ×${formatCount(g.count)}${state ? ` (${state})` : ''}${idle ? `; ${idle}` : ''}` } : none;
    }
    const named = namedAlike((parseFdSnapshot(bytes).breakdown?.repeated ?? []).map((r) => ({ name: r.name, n: r.count })), (n) => `×${formatCount(n)}`);
    return named ? { captureId: capture.id, finding: `most repeated at ${at}: ${named}` } : none;
  } catch {
    // A capture that does not read is still kept with the alert; it just names nothing.
    return none;
  }
}
