/** The ward edge gateway: MQTT and serial HL7 ingestion, durable SQLite buffer, batch forwarding. */
export { startGateway, type Gateway, type GatewayDeps } from './gateway.js';
export { edgeSettings, loadEdgeConfig, type EdgeConfig } from './config.js';
export { EdgeErrors, type EdgeErrorCode } from './errors.js';
export {
  LocalState,
  type PresenceChange,
  type LatestValue,
  type ActiveAlarmView,
  type AlarmChange,
  type WardView,
} from './local-state.js';
export { hashDeviceSecret } from './ingest/device-auth.js';
export type { CommittedReading, Source } from './ingest/types.js';
