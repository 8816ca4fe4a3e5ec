/** The timeline's range: last 15 min / hour / 6 h / 24 h, today, or a custom from–to. */
import { useState } from 'react';
import { readCustomRange, RELATIVE_RANGES, type RangeSpec, type RelativeRange } from '../route.js';
import { toDateTimeLocal } from '../format.js';

const LABELS: Record<RelativeRange, string> = { '15m': '15 min', '1h': 'Last hour', '6h': '6 h', '24h': '24 h' };

/** The range buttons and the custom inputs; while the custom editor is open, Custom alone is highlighted. */
export function RangePicker({ range, resolved, onChange }: { range: RangeSpec; resolved: { fromMs: number; toMs: number }; onChange(r: RangeSpec): void }) {
  const [from, setFrom] = useState(() => toDateTimeLocal(resolved.fromMs));
  const [to, setTo] = useState(() => toDateTimeLocal(resolved.toMs));
  const [editing, setEditing] = useState(false);
  const reading = readCustomRange(from, to);
  const apply = () => {
    if (!reading.ok) return;
    onChange(reading.range);
    setEditing(false);
  };
  // One button is on: the one being edited (Custom), else the range in force.
  const on = (r: RangeSpec) => (editing ? r.kind === 'custom' : r.kind === 'custom' ? range.kind === 'custom' : JSON.stringify(r) === JSON.stringify(range));
  return (
    <div className="range-picker" role="group" aria-label="Range">
      <div className="segmented">
        {(Object.keys(RELATIVE_RANGES) as RelativeRange[]).map((name) => (
          <button key={name} type="button" className={on({ kind: 'last', name }) ? 'on' : ''} onClick={() => onChange({ kind: 'last', name })}>
            {LABELS[name]}
          </button>
        ))}
        <button type="button" className={on({ kind: 'today' }) ? 'on' : ''} onClick={() => onChange({ kind: 'today' })}>
          Today
        </button>
        <button
          type="button"
          className={on({ kind: 'custom', fromMs: 0, toMs: 0 }) ? 'on' : ''}
          data-testid="range-custom"
          onClick={() => {
            setFrom(toDateTimeLocal(resolved.fromMs));
            setTo(toDateTimeLocal(resolved.toMs));
            setEditing((e) => !e);
          }}
        >
          Custom
        </button>
      </div>
      {editing ? (
        <span className="custom-range">
          <input type="datetime-local" aria-label="From" value={from} onChange={(e) => setFrom(e.target.value)} />
          <span className="muted">to</span>
          <input type="datetime-local" aria-label="To" value={to} onChange={(e) => setTo(e.target.value)} />
          <button type="button" className="btn small" onClick={apply} disabled={!reading.ok} title={reading.ok ? 'Show this range' : `Cannot apply: ${reading.reason}`} data-testid="range-apply">
            Apply
          </button>
          {reading.ok ? null : (
            <span className="error-text range-problem" role="status" data-testid="range-problem">
              {reading.reason}
            </span>
          )}
        </span>
      ) : null}
    </div>
  );
}
