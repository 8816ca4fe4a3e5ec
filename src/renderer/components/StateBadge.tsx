/** The target's state as a coloured pill (healthy / warning / alert). */
import type { HealthLevel } from '../health.js';

const LABEL: Record<HealthLevel, string> = { healthy: 'Healthy', warning: 'Warning', alert: 'Alert' };

/** A pill saying the state; `data-state` carries it for tests and styles. */
export function StateBadge({ level }: { level: HealthLevel }) {
  return (
    <span className={`state-badge state-${level}`} data-testid="state" data-state={level}>
      <span className="dot" aria-hidden="true" />
      {LABEL[level]}
    </span>
  );
}
