/**
 * Reference data as FHIR R4 resources: patients as Patient (the MRN as an `MR` identifier), devices as Device,
 * departments as ward Locations and beds as bed Locations that are `partOf` their ward. Pure: rows in,
 * resources out. `meta.versionId` is the row version (the ETag of the v1 API), `lastUpdated` its update time.
 */
import type { Device, Location, Meta, Patient } from '@medplum/fhirtypes';
import { fhirDeviceId } from '../ids.js';

export const IDENTIFIER_TYPE = 'http://terminology.hl7.org/CodeSystem/v2-0203';
export const LOCATION_PHYSICAL_TYPE = 'http://terminology.hl7.org/CodeSystem/location-physical-type';
/** Identifier systems of our own ids (device wire ids, department codes). */
export const DEVICE_ID_SYSTEM = 'urn:vitals:device';
export const DEPARTMENT_CODE_SYSTEM = 'urn:vitals:department';

interface Versioned {
  readonly version: number;
  /** ISO-8601. */
  readonly updatedAt: string;
}

export interface PatientSource extends Versioned {
  readonly id: string;
  readonly customerId: string;
  readonly mrn: string;
  readonly givenName: string | null;
  readonly familyName: string | null;
  /** YYYY-MM-DD. */
  readonly birthDate: string | null;
  readonly deletedAt: string | null;
}

export interface DeviceSource extends Versioned {
  readonly id: string;
  readonly model: string;
  readonly serialNumber: string | null;
  readonly deletedAt: string | null;
}

export interface WardSource extends Versioned {
  readonly id: string;
  readonly customerId: string;
  readonly code: string;
  readonly name: string;
}

export interface BedSource extends Versioned {
  readonly id: string;
  readonly departmentId: string;
  readonly label: string;
  /** The ward's name, for a readable bed name (`Intensive care, bed A`). */
  readonly departmentName: string;
}

function metaOf(v: Versioned): Meta {
  return { versionId: String(v.version), lastUpdated: new Date(v.updatedAt).toISOString() };
}

/** The identifier system of a customer's MRNs: `<FHIR_MRN_SYSTEM>:<customer id>`. */
export function mrnSystem(prefix: string, customerId: string): string {
  return `${prefix}:${customerId}`;
}

export function toPatient(p: PatientSource, mrnSystemPrefix: string): Patient {
  const name =
    p.givenName !== null || p.familyName !== null
      ? [
          {
            use: 'official' as const,
            ...(p.familyName !== null ? { family: p.familyName } : {}),
            ...(p.givenName !== null ? { given: [p.givenName] } : {}),
          },
        ]
      : undefined;
  return {
    resourceType: 'Patient',
    id: p.id,
    meta: metaOf(p),
    identifier: [
      {
        use: 'usual',
        type: { coding: [{ system: IDENTIFIER_TYPE, code: 'MR' }], text: 'Medical record number' },
        system: mrnSystem(mrnSystemPrefix, p.customerId),
        value: p.mrn,
      },
    ],
    active: p.deletedAt === null,
    ...(name ? { name } : {}),
    ...(p.birthDate !== null ? { birthDate: p.birthDate } : {}),
  };
}

export function toDevice(d: DeviceSource): Device {
  return {
    resourceType: 'Device',
    id: fhirDeviceId(d.id),
    meta: metaOf(d),
    identifier: [{ system: DEVICE_ID_SYSTEM, value: d.id }],
    status: d.deletedAt === null ? 'active' : 'inactive',
    ...(d.serialNumber !== null ? { serialNumber: d.serialNumber } : {}),
    modelNumber: d.model,
    deviceName: [{ name: d.id, type: 'user-friendly-name' }],
  };
}

export function toWardLocation(w: WardSource): Location {
  return {
    resourceType: 'Location',
    id: w.id,
    meta: metaOf(w),
    identifier: [{ system: `${DEPARTMENT_CODE_SYSTEM}:${w.customerId}`, value: w.code }],
    status: 'active',
    name: w.name,
    mode: 'instance',
    physicalType: { coding: [{ system: LOCATION_PHYSICAL_TYPE, code: 'wa', display: 'Ward' }] },
  };
}

export function toBedLocation(b: BedSource): Location {
  return {
    resourceType: 'Location',
    id: b.id,
    meta: metaOf(b),
    status: 'active',
    name: `${b.departmentName}, bed ${b.label}`,
    alias: [b.label],
    mode: 'instance',
    physicalType: { coding: [{ system: LOCATION_PHYSICAL_TYPE, code: 'bd', display: 'Bed' }] },
    partOf: { reference: `Location/${b.departmentId}` },
  };
}
