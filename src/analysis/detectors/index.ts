/** Leak detectors: pure functions over a target's sample history that decide when to tell the user, and what to say. */
export {
  acknowledge,
  carryOverAlerts,
  createAlertEngine,
  createAlertState,
  endWithProcess,
  liveAlerts,
  reconfigure,
  snooze,
  step,
  type AlertActionResult,
  type AlertEngine,
  type AlertEngineState,
  type AlertStateOptions,
  type CarriedAlerts,
  type StepExtras,
  type StepResult,
} from './engine.js';
export { evaluateGrowth, segmentLevels, type GrowthEvaluation, type GrowthStatus, type GrowthTest } from './growth.js';
export { downsampleLttb, mannKendall, median, quantile, theilSen, type MannKendallResult, type Point, type TheilSenResult } from './stats.js';
