/** The target's name, or a menu of targets when leakbar watches more than one. */
import type { TargetSummary } from '../../shared/api.js';
import { distinctLabel } from '../format.js';

/**
 * The most characters of a name a menu entry shows; a longer one is cut in the middle, keeping what tells it apart from
 * the other targets (a port), and the whole name is the entry's and the menu's title. 24 fit the popover's header (360 px wide) beside the state badge. @default 24
 */
export const PICKER_MAX_CHARS = 24;

/** Shows the current target; a select when there is a choice. */
export function TargetPicker({ targets, currentId, onPick }: { targets: readonly TargetSummary[]; currentId: string; onPick(id: string): void }) {
  const current = targets.find((t) => t.target.id === currentId);
  if (targets.length <= 1) return <h1 className="target-name" data-testid="target-name" title={current?.target.name}>{current?.target.name ?? currentId}</h1>;
  const names = targets.map((t) => t.target.name);
  return (
    <select className="target-select" data-testid="target-name" value={currentId} onChange={(e) => onPick(e.target.value)} aria-label="Target" title={current?.target.name ?? currentId}>
      {targets.map((t) => (
        <option key={t.target.id} value={t.target.id} title={t.target.name}>
          {distinctLabel(t.target.name, names, PICKER_MAX_CHARS)}
        </option>
      ))}
    </select>
  );
}
