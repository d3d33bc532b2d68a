export * from './errors.js';
export * from './source-schema.js';
