/** Every figure at one moment: the sample under the timeline's cursor, or the latest one. */
import type { Sample } from '../../shared/types.js';
import { FIGURES } from '../figures.js';
import { dateTime } from '../format.js';

/** The readout bar; `data-testid="readout"`, one `data-figure` cell per figure. */
export function Readout({ sample, hovering }: { sample: Sample | null; hovering: boolean }) {
  return (
    <div className="readout" data-testid="readout">
      <span className="readout-time">{sample ? `${hovering ? '' : 'Latest · '}${dateTime(sample.timeMs)}:${String(new Date(sample.timeMs).getSeconds()).padStart(2, '0')}` : 'No samples in this range'}</span>
      {FIGURES.map((f) => {
        const v = sample?.[f.key];
        return (
          <span key={f.key} className="readout-cell" data-figure={f.key}>
            <span className="readout-label">{f.label}</span>
            <span className="readout-value">{v !== undefined ? f.format(v) : '—'}</span>
          </span>
        );
      })}
    </div>
  );
}
