/** Test helpers of the simulator, for this package's and other packages' tests. */
export { createFakeClock, type FakeClock } from './fake-clock.js';
export { createPtyPair, type PtyPair } from './socat.js';
export { attachHl7Receiver, type AckDecision, type Hl7Receiver } from './hl7-receiver.js';
