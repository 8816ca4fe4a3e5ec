/** The pprof analysis layer: decode a profile, then top, diff and call trees, exact to `go tool pprof`. */
export * from './model.js';
export * from './decode.js';
export * from './measurement.js';
export * from './stacks.js';
export * from './top.js';
export * from './tree.js';
