/**
 * Keeps the machine awake while an overnight run is going (Electron's powerSaveBlocker, which the
 * caller passes in) and releases it when the run ends or leakbar quits.
 */

/** The part of Electron's `powerSaveBlocker` used here. */
export interface PowerSaveBlockerLike {
  start(type: 'prevent-app-suspension' | 'prevent-display-sleep'): number;
  stop(id: number): void;
  isStarted(id: number): boolean;
}

/** Subscribes to the service's overnight runs: the listener hears true when one starts, false when it ends. */
export type OvernightSubscribe = (listener: (running: boolean) => void) => () => void;

/**
 * Holds a blocker while an overnight run is going. The display may sleep; the system may not.
 * @param enabled read at each start, so the setting applies to the next run. @default always
 * @returns a function that unsubscribes and releases the blocker.
 */
export function keepAwakeDuring(subscribe: OvernightSubscribe, blocker: PowerSaveBlockerLike, enabled: () => boolean = () => true): () => void {
  let id: number | null = null;
  const release = () => {
    if (id !== null && blocker.isStarted(id)) blocker.stop(id);
    id = null;
  };
  const unsubscribe = subscribe((running) => {
    if (running && id === null && enabled()) id = blocker.start('prevent-app-suspension');
    else if (!running) release();
  });
  return () => {
    unsubscribe();
    release();
  };
}

/** A service that reports overnight runs (the engine's overnight mode), told apart from one that does not. */
export interface OvernightSource {
  onOvernight(listener: (running: boolean) => void): () => void;
}

/** True when `service` reports overnight runs. */
export function hasOvernight(service: object): service is OvernightSource {
  return typeof (service as Partial<OvernightSource>).onOvernight === 'function';
}
