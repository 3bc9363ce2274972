/**
 * A configuration document compiled for the hot path (pure): where each device is (bed, patient), the alarm
 * bands of a device's metric after precedence (the patient's rules over the department level over the catalog
 * defaults, shared `effectiveBands`), whether its alarms are enabled, and its settings. Without a document
 * (version 0) every device gets the catalog defaults and alarms on, so a new gateway alarms from the start.
 */
import {
  effectiveBands,
  type DeviceSettings,
  type GatewayConfigDocument,
  type MetricCode,
  type ThresholdBand,
} from '@vitals/shared';

export interface Placement {
  readonly bedId: string;
  readonly bedLabel: string;
  readonly patientId: string | null;
  readonly patientDisplayName: string | null;
}

export interface CompiledConfig {
  /** 0 when no document was ever applied. */
  readonly version: number;
  readonly document: GatewayConfigDocument | undefined;
  placement(deviceId: string): Placement | undefined;
  bands(deviceId: string, metric: MetricCode): readonly ThresholdBand[];
  alarmsEnabled(deviceId: string): boolean;
  readonly settings: ReadonlyMap<string, DeviceSettings>;
}

export function compileConfig(document: GatewayConfigDocument | undefined): CompiledConfig {
  const placements = new Map<string, Placement>();
  for (const bed of document?.beds ?? []) {
    for (const deviceId of bed.deviceIds) {
      placements.set(deviceId, {
        bedId: bed.bedId,
        bedLabel: bed.label,
        patientId: bed.patient?.id ?? null,
        patientDisplayName: bed.patient?.displayName ?? null,
      });
    }
  }
  const rules = (document?.thresholds ?? []) as ReadonlyArray<ThresholdBand & { patientId?: string }>;
  const departmentLevel = rules.filter((r) => r.scope !== 'patient');
  const cache = new Map<string, readonly ThresholdBand[]>();
  const settings = new Map((document?.deviceSettings ?? []).map((s) => [s.deviceId, s]));
  return {
    version: document?.version ?? 0,
    document,
    placement: (deviceId) => placements.get(deviceId),
    bands(deviceId, metric) {
      const patientId = placements.get(deviceId)?.patientId ?? null;
      const key = `${patientId ?? '-'}|${metric}`;
      let bands = cache.get(key);
      if (!bands) {
        const candidates =
          patientId === null ? departmentLevel : [...departmentLevel, ...rules.filter((r) => r.patientId === patientId)];
        bands = effectiveBands(metric, candidates);
        cache.set(key, bands);
      }
      return bands;
    },
    alarmsEnabled: (deviceId) => settings.get(deviceId)?.alarmsEnabled ?? true,
    settings,
  };
}
