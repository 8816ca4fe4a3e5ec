/** Goroutine dumps: parse debug=1 and debug=2 text, group goroutines by stack, diff two dumps, and report them as text. */
export * from './model.js';
export * from './parse.js';
export * from './diff.js';
export * from './format.js';
