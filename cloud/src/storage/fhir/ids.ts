/**
 * FHIR resource ids of our rows. A FHIR id is `[A-Za-z0-9\-.]{1,64}`: UUIDs (patients, readings, beds,
 * departments) are used as they are. A device id is its wire id when that is a valid FHIR id; a wire id with
 * `_` or `:` (allowed on the wire, not in a FHIR id) becomes `-h` + 40 hex digits of its SHA-256. Wire ids never
 * start with `-`, so the two forms cannot collide, and the hashed form is found again by recomputing it.
 */
import { createHash } from 'node:crypto';

export const FHIR_ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

export function isFhirId(value: string): boolean {
  return FHIR_ID_PATTERN.test(value);
}

/** The hashed form of a wire id (also computed in SQL by the store to find a device by it). */
export function hashedDeviceId(deviceId: string): string {
  return `-h${createHash('sha256').update(deviceId, 'utf8').digest('hex').slice(0, 40)}`;
}

export function fhirDeviceId(deviceId: string): string {
  return isFhirId(deviceId) ? deviceId : hashedDeviceId(deviceId);
}

/** Whether a FHIR id is the hashed form of some wire id (then it can only be found by recomputing hashes). */
export function isHashedDeviceId(id: string): boolean {
  return /^-h[0-9a-f]{40}$/.test(id);
}
