/** One leakbar per user: a second start hands over to the first (which shows its inspector) and quits. */
import type { App } from 'electron';

/** Takes the single-instance lock; false when another leakbar holds it (this one is quitting). */
export function setupSingleInstance(app: Pick<App, 'requestSingleInstanceLock' | 'quit' | 'on'>, onSecondInstance: () => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', () => onSecondInstance());
  return true;
}
