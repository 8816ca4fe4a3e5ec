/** The inspector's non-profile views: goroutine groups (and which grew), file descriptors (and which grew), and the memory map. */
import { useMemo, useState } from 'react';
import { groupName, groupStateText, groupWaitText, idleWaitText, longWaitSummary, suspiciousLegend, type GoroutineGroup, type GroupChange } from '../../analysis/goroutines/index.js';
import type { MemoryMap } from '../../shared/types.js';
import { formatBytes, formatCount } from '../../shared/units.js';
import { diffFds, summarizeFds, type FdSnapshot } from './fd-model.js';
import type { GoroutineAnalysis } from './protocol.js';

/** Shortens a long path in the middle, keeping its start and its file name: "/tmp/…/leaky-1-0.dat". */
export function middleEllipsis(s: string, maxChars: number): string {
  if (s.length <= maxChars) return s;
  const tail = Math.ceil((maxChars - 1) * 0.65);
  return `${s.slice(0, maxChars - 1 - tail)}…${s.slice(s.length - tail)}`;
}

/** "1 goroutine", "3 goroutines". */
function countOf(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** The goroutine view: groups largest first, suspicious ones marked, with the growth against the base dump. */
export function GoroutinesView({ analysis, baseLabel, search }: { analysis: GoroutineAnalysis; baseLabel: string | null; search: string }) {
  const { dump, diff } = analysis;
  const [shown, setShown] = useState(100);
  const [onlySuspicious, setOnlySuspicious] = useState(false);
  const deltaByKey = useMemo(() => {
    const m = new Map<string, GroupChange>();
    if (diff) for (const c of [...diff.grew, ...diff.shrank, ...diff.added]) m.set(c.key, c);
    return m;
  }, [diff]);
  const longWait = longWaitSummary(dump);
  const q = search.trim().toLowerCase();
  const groups = dump.groups.filter((g) => (!onlySuspicious || g.suspicious) && (q === '' || g.frames.some((f) => f.function.toLowerCase().includes(q)) || (g.creator ?? '').toLowerCase().includes(q)));
  return (
    <div className="gr-view" data-testid="goroutines-view">
      <div className="summary-line">
        <span>
          <strong>{formatCount(dump.total)}</strong> goroutines in <strong>{formatCount(dump.groups.length)}</strong> stacks
        </span>
        <span className={dump.suspiciousTotal > 0 ? 'warn-text' : 'muted'} data-testid="goroutine-blocked-total">
          {formatCount(dump.suspiciousTotal)} in suspicious stacks
          {longWait && dump.suspiciousTotal > 0 ? <span data-testid="goroutine-long-total"> · {longWait}</span> : null}
        </span>
        {diff && baseLabel ? (
          <span data-testid="goroutine-delta">
            <span className={diff.delta > 0 ? 'grow' : diff.delta < 0 ? 'shrink' : 'muted'}>
              {diff.delta >= 0 ? '+' : ''}
              {formatCount(diff.delta)}
            </span>{' '}
            {Math.abs(diff.delta) === 1 ? 'goroutine' : 'goroutines'} since {baseLabel}
          </span>
        ) : (
          <span className="muted">no earlier dump to compare with</span>
        )}
        <span className="toolbar-gap" />
        <label className="check">
          <input type="checkbox" checked={onlySuspicious} onChange={(e) => setOnlySuspicious(e.target.checked)} /> suspicious only
        </label>
      </div>
      {/* What "suspicious" counts, in visible words: the main goroutine, a listener's Accept and idle HTTP connections are blocked too, and not counted. */}
      <p className="muted gr-legend" data-testid="goroutine-legend">
        Suspicious: {suspiciousLegend(dump.format)}.
      </p>
      {diff && diff.grew.length > 0 ? (
        <section className="card">
          <h3>Groups that grew since {baseLabel}</h3>
          <table className="grid-table" data-testid="goroutine-growth">
            <thead>
              <tr>
                <th>group</th>
                <th className="num">before</th>
                <th className="num">now</th>
                <th className="num">change</th>
                <th>state</th>
              </tr>
            </thead>
            <tbody>
              {diff.grew.slice(0, 10).map((c) => (
                <tr key={c.key} data-testid="goroutine-growth-row" data-name={groupName(c.group)}>
                  <td className="mono">{groupName(c.group)}</td>
                  <td className="num">{formatCount(c.baseCount)}</td>
                  <td className="num">{formatCount(c.count)}</td>
                  <td className="num grow">+{formatCount(c.delta)}</td>
                  <td>{groupStateText(c.group, { first: true }) ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      {diff && diff.removed.length > 0 ? (
        <section className="card">
          <h3>
            Groups gone since {baseLabel} ({formatCount(diff.removed.length)} {diff.removed.length === 1 ? 'stack' : 'stacks'}, {countOf(diff.removed.reduce((n, c) => n + c.baseCount, 0), 'goroutine')})
          </h3>
          <table className="grid-table" data-testid="goroutine-gone">
            <thead>
              <tr>
                <th>group</th>
                <th className="num">before</th>
                <th>state then</th>
              </tr>
            </thead>
            <tbody>
              {diff.removed.slice(0, 10).map((c) => (
                <tr key={c.key} data-testid="goroutine-gone-row" data-name={groupName(c.group)}>
                  <td className="mono">{groupName(c.group)}</td>
                  <td className="num">{formatCount(c.baseCount)}</td>
                  <td>{groupStateText(c.group, { first: true }) ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {diff.removed.length > 10 ? <p className="muted">and {formatCount(diff.removed.length - 10)} more</p> : null}
        </section>
      ) : null}
      <div className="gr-list">
        {groups.slice(0, shown).map((g) => (
          <GroupCard key={g.key} g={g} change={deltaByKey.get(g.key) ?? null} total={dump.total} longWaitMinutes={dump.longWaitMinutes} />
        ))}
        {groups.length > shown ? (
          <button type="button" className="btn" onClick={() => setShown(shown + 200)}>
            Show {Math.min(200, groups.length - shown)} more of {formatCount(groups.length - shown)}
          </button>
        ) : null}
        {groups.length === 0 ? <p className="muted">No group matches.</p> : null}
      </div>
    </div>
  );
}

function GroupCard({ g, change, total, longWaitMinutes }: { g: GoroutineGroup; change: GroupChange | null; total: number; longWaitMinutes: number }) {
  const waited = groupWaitText(g);
  const wait = waited ? `waiting ${waited}` : null;
  // A wait by design says what it is ("idle by design: …"), or, flagged anyway, why ("idle HTTP connections: 312, grew by 40").
  const idle = idleWaitText(g);
  return (
    <details className={`gr-card${g.suspicious ? ' suspicious' : ''}`} data-testid="goroutine-group" data-name={groupName(g)} data-count={g.count}>
      <summary>
        <span className="gr-count" title={`${((g.count / Math.max(1, total)) * 100).toFixed(1)}% of all goroutines`}>
          {formatCount(g.count)}
        </span>
        <span className="gr-main">
          <span className="gr-title mono">{groupName(g)}</span>
          <span className="gr-facts">
            {g.suspicious ? (
              <span className="tag tag-warn" data-testid="goroutine-suspicious-tag">
                {idle ? `suspicious: ${idle}` : g.longWait ? `suspicious, some ≥ ${longWaitMinutes} min` : 'suspicious'}
              </span>
            ) : idle ? (
              <span className="tag" data-testid="goroutine-idle-tag">
                {idle}
              </span>
            ) : null}
            {/* debug=1 has no states: the wait its top frame shows, in the same words as a debug=2 state. */}
            {g.states.length === 0 && g.blockedOn ? (
              <span className="tag" data-testid="goroutine-state">
                {groupStateText(g)}
              </span>
            ) : null}
            {g.states.slice(0, 3).map((s) => (
              <span key={s.state} className="tag" data-testid="goroutine-state">
                {s.state}
                {g.states.length > 1 ? ` ${formatCount(s.count)}` : ''}
              </span>
            ))}
            {wait ? <span className="muted">{wait}</span> : null}
            {g.creator ? <span className="muted">created by <span className="mono">{g.creator}</span></span> : null}
          </span>
        </span>
        {change ? (
          <span className={`gr-delta ${change.delta > 0 ? 'grow' : 'shrink'}`}>
            {change.status === 'new' ? 'new ' : ''}
            {change.delta > 0 ? '+' : ''}
            {formatCount(change.delta)}
          </span>
        ) : null}
      </summary>
      <ol className="gr-frames mono">
        {g.frames.map((f, i) => (
          <li key={i}>
            <span className="fn">{f.function}</span>
            {f.file ? (
              <span className="muted">
                {' '}
                {f.file}:{f.line}
              </span>
            ) : null}
          </li>
        ))}
        {g.framesElided ? <li className="muted">…frames elided by the Go runtime</li> : null}
      </ol>
    </details>
  );
}

/** The FD view: totals against the limit, the type breakdown, files open many times, path patterns, and the change since an earlier snapshot. */
export function FdsView({ snapshot, base, baseLabel, search }: { snapshot: FdSnapshot; base: FdSnapshot | null; baseLabel: string | null; search: string }) {
  const s = useMemo(() => summarizeFds(snapshot), [snapshot]);
  const d = useMemo(() => (base ? diffFds(base, snapshot) : null), [base, snapshot]);
  const q = search.trim().toLowerCase();
  const maxType = Math.max(1, ...s.byType.map((t) => t.count));
  const repeated = s.repeated.filter((r) => q === '' || r.name.toLowerCase().includes(q));
  return (
    <div className="fd-view" data-testid="fds-view">
      <div className="tiles-row">
        <Tile label="Open descriptors" value={formatCount(s.total)} note={s.limit ? `${((s.total / s.limit) * 100).toFixed(1)}% of the limit ${formatCount(s.limit)}` : 'limit unknown'} />
        <Tile label="Files open more than once" value={formatCount(s.repeated.length)} note={s.repeated[0] ? `most: ${s.repeated[0].count}×` : 'none'} />
        {d ? <Tile label={`Change since ${baseLabel ?? 'base'}`} value={`${d.total - d.totalBase > 0 ? '+' : ''}${formatCount(d.total - d.totalBase)}`} note={`${formatCount(d.totalBase)} → ${formatCount(d.total)}`} tone={d.total > d.totalBase ? 'grow' : undefined} /> : null}
      </div>
      <div className="two-col">
        <section className="card">
          <h3>By type</h3>
          <ul className="bars">
            {s.byType.map((t) => (
              <li key={t.type}>
                <span className="bar-label">{t.type}</span>
                <span className="bar-track">
                  <span className="bar-fill" style={{ width: `${(t.count / maxType) * 100}%` }} />
                </span>
                <span className="bar-value num">{formatCount(t.count)}</span>
              </li>
            ))}
          </ul>
          {s.patterns.length ? (
            <>
              <h3 className="sub">Path patterns</h3>
              <table className="grid-table">
                <tbody>
                  {s.patterns.map((p) => (
                    <tr key={p.pattern}>
                      <td className="mono">{p.pattern}</td>
                      <td className="num">{formatCount(p.count)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          ) : null}
        </section>
        <section className="card">
          <h3>Files open more than once</h3>
          {repeated.length === 0 ? <p className="muted">No file is open more than once.</p> : null}
          <table className="grid-table" data-testid="fd-repeated">
            <tbody>
              {repeated.slice(0, 200).map((r) => (
                <tr key={r.name} data-testid="fd-repeated-row" data-name={r.name}>
                  <td className="mono path" title={r.name}>
                    {middleEllipsis(r.name, 96)}
                  </td>
                  <td className="num">{formatCount(r.count)}×</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
      {d ? (
        <section className="card">
          <h3>Changed since {baseLabel}</h3>
          {d.changes.length === 0 ? <p className="muted">Nothing changed.</p> : null}
          <table className="grid-table" data-testid="fd-diff">
            <thead>
              <tr>
                <th />
                <th>name</th>
                <th className="num">before</th>
                <th className="num">now</th>
                <th className="num">change</th>
              </tr>
            </thead>
            <tbody>
              {d.changes.slice(0, 100).map((c) => (
                <tr key={`${c.what}:${c.name}`}>
                  <td className="muted">{c.what}</td>
                  <td className="mono path" title={c.name}>
                    {middleEllipsis(c.name, 110)}
                  </td>
                  <td className="num">{formatCount(c.base)}</td>
                  <td className="num">{formatCount(c.current)}</td>
                  <td className={`num ${c.delta > 0 ? 'grow' : 'shrink'}`}>
                    {c.delta > 0 ? '+' : ''}
                    {formatCount(c.delta)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </div>
  );
}

function Tile({ label, value, note, tone }: { label: string; value: string; note?: string; tone?: 'grow' | undefined }) {
  return (
    <div className="mtile">
      <div className="mtile-label">{label}</div>
      <div className={`mtile-value${tone ? ` ${tone}` : ''}`}>{value}</div>
      {note ? <div className="mtile-note muted">{note}</div> : null}
    </div>
  );
}

const maybeBytes = (v: number | null): string => (v === null ? '—' : formatBytes(v));

/** The memory map view: smaps figures and regions (Linux) or vmmap's regions (macOS), and the physical footprint against its peak. */
export function MemoryView({ map, pid }: { map: MemoryMap; /** The process the capture read, when known. */ pid: number | null }) {
  const regions = [...map.regions].sort((a, b) => b.residentBytes - a.residentBytes);
  const foot = map.physFootprintBytes;
  const peak = map.physFootprintPeakBytes;
  return (
    <div className="mem-view" data-testid="memory-view">
      <div className="tiles-row">
        <Tile label="Resident (RSS)" value={maybeBytes(map.rssBytes)} />
        {map.pssBytes !== null ? <Tile label="Proportional (PSS)" value={maybeBytes(map.pssBytes)} note="shared pages split among their users" /> : null}
        {map.anonymousBytes !== null ? <Tile label="Anonymous" value={maybeBytes(map.anonymousBytes)} note="heap and stacks, not backed by a file" /> : null}
        <Tile label="Swapped" value={maybeBytes(map.swapBytes)} />
        {map.regionCount !== null ? <Tile label="Regions" value={formatCount(map.regionCount)} /> : null}
      </div>
      {foot !== null ? (
        <section className="card">
          <h3>Physical footprint</h3>
          <div className="footprint">
            <span className="bar-track wide">
              <span className="bar-fill" style={{ width: `${peak ? Math.min(100, (foot / peak) * 100) : 100}%` }} />
            </span>
            <span className="mono">
              {formatBytes(foot)} now · peak {maybeBytes(peak)}
            </span>
          </div>
          <p className="muted hint">
            macOS returns freed Go memory lazily (MADV_FREE), so RSS can stay high after a spike. The physical footprint is what the system charges; when it is well below its peak, the memory came back and it is not a leak.
          </p>
        </section>
      ) : null}
      {regions.length ? (
        <section className="card">
          <h3>Regions ({map.source})</h3>
          <table className="grid-table">
            <thead>
              <tr>
                <th>region</th>
                <th className="num">virtual</th>
                <th className="num">resident</th>
                <th className="num">dirty</th>
                <th className="num">swapped</th>
                <th className="num">count</th>
              </tr>
            </thead>
            <tbody>
              {regions.map((r) => (
                <tr key={r.name} data-testid="memory-region" data-name={r.name}>
                  <td className="mono">{r.name}</td>
                  <td className="num">{formatBytes(r.virtualBytes)}</td>
                  <td className="num">{formatBytes(r.residentBytes)}</td>
                  <td className="num">{formatBytes(r.dirtyBytes)}</td>
                  <td className="num">{formatBytes(r.swappedBytes)}</td>
                  <td className="num">{formatCount(r.regionCount)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      {map.mallocZones.length ? (
        <section className="card">
          <h3>Malloc zones</h3>
          <table className="grid-table">
            <thead>
              <tr>
                <th>zone</th>
                <th className="num">resident</th>
                <th className="num">allocated</th>
                <th className="num">allocations</th>
              </tr>
            </thead>
            <tbody>
              {map.mallocZones.map((z) => (
                <tr key={z.name}>
                  <td className="mono">{z.name}</td>
                  <td className="num">{formatBytes(z.residentBytes)}</td>
                  <td className="num">{formatBytes(z.allocatedBytes)}</td>
                  <td className="num">{formatCount(z.allocationCount)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      {map.source === 'smaps' ? (
        <p className="muted hint" data-testid="memory-source">
          Figures summed from {pid !== null ? <code className="mono">/proc/{pid}/smaps</code> : 'the process’s smaps'}, and its regions grouped by what they map ([anon]: anonymous memory, where Go keeps its heap and
          stacks), at the moment of capture.
        </p>
      ) : map.source === 'smaps_rollup' ? (
        <p className="muted hint" data-testid="memory-source">
          Figures from {pid !== null ? <code className="mono">/proc/{pid}/smaps_rollup</code> : 'the process’s smaps_rollup'} (its smaps could not be read, so no regions), at the moment of capture.
        </p>
      ) : null}
    </div>
  );
}
