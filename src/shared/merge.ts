/** Laying a partial object over a whole one, as settings patches and settings files are applied. */

/** True for `{...}` objects (not arrays, not null). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `over` laid over `base`, object by object; arrays and values in `over` replace those of `base`. Keys that could reach a prototype are skipped. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    out[k] = k in base ? deepMerge(base[k], v) : v;
  }
  return out;
}
