/** The target's name, or a menu of targets when leakbar watches more than one. */
import type { TargetSummary } from '../../shared/api.js';

/** Shows the current target; a select when there is a choice. */
export function TargetPicker({ targets, currentId, onPick }: { targets: readonly TargetSummary[]; currentId: string; onPick(id: string): void }) {
  const current = targets.find((t) => t.target.id === currentId);
  if (targets.length <= 1) return <h1 className="target-name" data-testid="target-name" title={current?.target.name}>{current?.target.name ?? currentId}</h1>;
  return (
    <select className="target-select" data-testid="target-name" value={currentId} onChange={(e) => onPick(e.target.value)} aria-label="Target">
      {targets.map((t) => (
        <option key={t.target.id} value={t.target.id}>
          {t.target.name}
        </option>
      ))}
    </select>
  );
}
