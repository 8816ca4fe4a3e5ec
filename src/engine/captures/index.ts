/** Captures: the store of profiles kept as fetched, the service that takes and compares them, the overnight test and its reports. */
export * from './ids.js';
export * from './store.js';
export * from './fetch.js';
export * from './compare.js';
export * from './report.js';
export * from './service.js';
export * from './overnight.js';
