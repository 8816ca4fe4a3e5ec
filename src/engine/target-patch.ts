/** A watched target's description and changes to it: the inverse of `targetConfigFrom`, and a patch laid over a config. */
import { targetInputSchema, type TargetInput, type TargetPatch } from '../shared/api.js';
import { LeakbarError } from '../shared/errors.js';
import { DEFAULT_FD_PATTERNS, DEFAULT_PPROF_URL, type TargetConfig } from '../shared/types.js';

/** The description `addTarget` takes that gives back this target, id included (so its history continues). */
export function targetInputFromConfig(config: TargetConfig): TargetInput {
  return {
    id: config.id,
    name: config.name,
    ...('pid' in config.selector ? { pid: config.selector.pid } : { match: config.selector.match }),
    pprofUrl: config.pprofUrl,
    fdPatterns: config.fdPatterns,
  };
}

/**
 * Lays a change over a target's config; the id never changes. A new `pid` or `match` replaces the selector.
 * Throws a `bad-input` LeakbarError when the result is not a valid target (the API's schema checked the patch itself).
 */
export function patchTargetConfig(config: TargetConfig, patch: TargetPatch): TargetConfig {
  const before = targetInputFromConfig(config);
  const selector = patch.pid !== undefined ? { pid: patch.pid } : patch.match !== undefined ? { match: patch.match } : 'pid' in config.selector ? { pid: config.selector.pid } : { match: config.selector.match };
  const { pid: _pid, match: _match, ...rest } = { ...before, ...patch };
  const r = targetInputSchema.safeParse({ ...rest, ...selector });
  if (!r.success) throw new LeakbarError('bad-input', `bad target: ${r.error.issues.map((i) => `${i.path.join('.') || '(target)'}: ${i.message}`).join('; ')}`);
  const input = r.data;
  return {
    id: config.id,
    name: input.name ?? config.name,
    selector: input.pid !== undefined ? { pid: input.pid } : { match: input.match! },
    pprofUrl: input.pprofUrl === undefined ? DEFAULT_PPROF_URL : input.pprofUrl,
    fdPatterns: input.fdPatterns ?? DEFAULT_FD_PATTERNS,
  };
}
