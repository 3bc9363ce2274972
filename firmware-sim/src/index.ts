/** The device simulator: simulated bedside monitors over MQTT, serial and MLLP/TCP, with a ledger of every send. */
export { createSimulation } from './simulation.js';
export type {
  DeviceSpec,
  LinkContext,
  RateTarget,
  Simulation,
  SimulationDeps,
  SimulationOptions,
  SimulationState,
  SimulationStatus,
  TransportSpec,
} from './simulation.js';
export type { DeviceStatus } from './device.js';
export { buildFleet, parseHostPort, passwordFor, type FleetOptions } from './fleet.js';
export { Ledger, frameKey } from './ledger.js';
export type {
  AckOutcome,
  AckStatus,
  EntryKind,
  ExpectedReading,
  LedgerCounts,
  LedgerEntry,
  LedgerOptions,
  LedgerSink,
  TransportKind,
} from './ledger.js';
export { createJsonlSink, parseLedgerJsonl, readLedgerFile } from './ledger-file.js';
export { FAULT_TYPES, malformedKindsFor, parseFault, type Fault, type FaultType } from './faults.js';
export {
  buildMalformedHl7,
  buildMalformedJson,
  HL7_MALFORMED_KINDS,
  JSON_MALFORMED_KINDS,
  MALFORMED_KINDS,
  type MalformedKind,
  type MalformedSend,
} from './malformed.js';
export {
  createSignalGenerator,
  news2OfValues,
  type SignalGenerator,
  type VitalSample,
  type VitalValues,
} from './signal-generator.js';
export { randomBaseline, type PatientBaseline } from './patient-profile.js';
export { DEFAULT_SEPSIS_DURATION_MS, scenarioFor, type ScenarioName, type ScenarioSpec } from './scenarios.js';
export { createRng, type Rng } from './prng.js';
export { createTickScheduler, intervalOfRate, type TickScheduler } from './scheduler.js';
export { hl7Payload, toDeviceFrame, jsonPayload, type SimFrame } from './frame-builders.js';
export type { DeviceLink, OutboundMessage, ReconnectPolicy, SendOutcome } from './links/link.js';
export { startControlApi, type ControlApi } from './control-api.js';
export { SimErrors } from './errors.js';
