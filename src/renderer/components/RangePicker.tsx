/** The timeline's range: last 15 min / hour / 6 h / 24 h, today, or a custom from–to. */
import { useState } from 'react';
import { RELATIVE_RANGES, type RangeSpec, type RelativeRange } from '../route.js';
import { toDateTimeLocal } from '../format.js';

const LABELS: Record<RelativeRange, string> = { '15m': '15 min', '1h': 'Last hour', '6h': '6 h', '24h': '24 h' };

/** The range buttons and the custom inputs. */
export function RangePicker({ range, resolved, onChange }: { range: RangeSpec; resolved: { fromMs: number; toMs: number }; onChange(r: RangeSpec): void }) {
  const [from, setFrom] = useState(() => toDateTimeLocal(resolved.fromMs));
  const [to, setTo] = useState(() => toDateTimeLocal(resolved.toMs));
  const [editing, setEditing] = useState(false);
  const apply = () => {
    const fromMs = new Date(from).getTime();
    const toMs = new Date(to).getTime();
    if (Number.isFinite(fromMs) && Number.isFinite(toMs) && toMs > fromMs) {
      onChange({ kind: 'custom', fromMs, toMs });
      setEditing(false);
    }
  };
  const active = (r: RangeSpec) => JSON.stringify(r) === JSON.stringify(range);
  return (
    <div className="range-picker" role="group" aria-label="Range">
      <div className="segmented">
        {(Object.keys(RELATIVE_RANGES) as RelativeRange[]).map((name) => (
          <button key={name} type="button" className={active({ kind: 'last', name }) ? 'on' : ''} onClick={() => onChange({ kind: 'last', name })}>
            {LABELS[name]}
          </button>
        ))}
        <button type="button" className={range.kind === 'today' ? 'on' : ''} onClick={() => onChange({ kind: 'today' })}>
          Today
        </button>
        <button
          type="button"
          className={range.kind === 'custom' || editing ? 'on' : ''}
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
          <button type="button" className="btn small" onClick={apply}>
            Apply
          </button>
        </span>
      ) : null}
    </div>
  );
}
