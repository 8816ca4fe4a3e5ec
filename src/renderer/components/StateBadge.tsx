/** The target's state as a coloured pill (healthy / warning / alert). */
import type { HealthLevel } from '../health.js';

const LABEL: Record<HealthLevel, string> = { healthy: 'Healthy', warning: 'Warning', alert: 'Alert' };

/** A pill saying the state (as judged by `judgeHealth`, in every view); `data-state` carries it for tests and styles, `reason` its title. */
export function StateBadge({ level, reason }: { level: HealthLevel; reason?: string }) {
  return (
    <span className={`state-badge state-${level}`} data-testid="state" data-state={level} title={reason}>
      <span className="dot" aria-hidden="true" />
      {LABEL[level]}
    </span>
  );
}
