/** Typed errors: every failure leakbar reports carries a code a caller can branch on and a hint a person can act on. */

/** What went wrong, in words a caller can switch on. */
export type ErrorCode =
  | 'no-such-process'
  | 'permission-denied'
  | 'tool-missing'
  | 'timeout'
  | 'endpoint-refused'
  | 'endpoint-status'
  | 'endpoint-garbage'
  | 'not-a-profile'
  | 'corrupt-profile'
  | 'empty-profile'
  | 'parse-error'
  | 'bad-input'
  | 'disk-full'
  | 'io-error'
  | 'busy'
  | 'cancelled'
  | 'not-found'
  | 'unsupported';

/**
 * Which case of its code an error is, where a caller answers that case differently: 'zombie', a 'no-such-process'
 * whose process has exited but is still listed (by `ps`, as <defunct>) until its parent reaps it.
 */
export type ErrorReason = 'zombie';

/** An error leakbar expects and explains: `message` says what happened, `hint` what to do about it. */
export class LeakbarError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  /** Which case of `code` it is, for callers to branch on (never a word of the message). */
  readonly reason: ErrorReason | undefined;
  constructor(code: ErrorCode, message: string, options?: { hint?: string; cause?: unknown; reason?: ErrorReason }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LeakbarError';
    this.code = code;
    this.hint = options?.hint;
    this.reason = options?.reason;
  }
}

/** True when `e` is a LeakbarError, optionally of one code. */
export function isLeakbarError(e: unknown, code?: ErrorCode): e is LeakbarError {
  return e instanceof LeakbarError && (code === undefined || e.code === code);
}

/** A one-line description of any thrown value, for statuses and logs. */
export function describeError(e: unknown): string {
  if (e instanceof LeakbarError) return e.hint ? `${e.message} (${e.hint})` : e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
