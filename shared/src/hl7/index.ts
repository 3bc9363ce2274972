export * from './mllp.js';
export * from './message.js';
export * from './oru.js';
export * from './ack.js';
export * from './alert-report.js';
