export * from './threshold-rules.js';
export * from './alarm-state.js';
