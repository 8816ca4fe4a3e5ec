/** Keeps the stored targets in step with the engine's, and pauses watching through the API contract. */
import type { LeakbarApi, TargetInput } from '../shared/api.js';
import { targetInputFromConfig } from '../engine/target-patch.js';

export { targetInputFromConfig } from '../engine/target-patch.js';

/** Pause and resume from the tray. */
export interface PauseControl {
  readonly paused: boolean;
  setPaused(paused: boolean): Promise<void>;
}

/**
 * Pauses watching by stopping every target (removeTarget) and resumes by adding the same descriptions
 * back: same names give the same ids, so history continues. The stored settings are not touched.
 */
export function createPauseControl(api: LeakbarApi, onChange: (paused: boolean) => void = () => {}): PauseControl {
  let paused = false;
  let held: TargetInput[] = [];
  return {
    get paused() {
      return paused;
    },
    async setPaused(next: boolean) {
      if (next === paused) return;
      paused = next;
      if (next) {
        const targets = await api.listTargets({});
        held = targets.map((t) => targetInputFromConfig(t.target));
        for (const t of targets) await api.removeTarget({ targetId: t.target.id });
      } else {
        const again = held;
        held = [];
        for (const input of again) await api.addTarget(input);
      }
      onChange(paused);
    },
  };
}
