/** Reference data the admin tabs pick from (departments, beds, patients, devices), loaded together. */
import type { Api } from '../../api.js';

export interface Department {
  id: string;
  code: string;
  name: string;
}
export interface Bed {
  id: string;
  label: string;
  departmentId: string;
}
export interface Patient {
  id: string;
  mrn: string;
  givenName: string | null;
  familyName: string | null;
}
export interface Device {
  id: string;
  model: string;
}

export interface Reference {
  readonly departments: Department[];
  readonly beds: Bed[];
  readonly patients: Patient[];
  readonly devices: Device[];
}

export async function loadReference(api: Api, customerId: string | null): Promise<Reference> {
  const q = customerId ? { customerId } : {};
  const [departments, beds, patients, devices] = await Promise.all([
    api.all<Department>('/api/storage/v1/departments', q),
    api.all<Bed>('/api/storage/v1/beds', q),
    api.all<Patient>('/api/storage/v1/patients', q),
    api.all<Device>('/api/storage/v1/devices', q),
  ]);
  const byLabel = (a: { label: string }, b: { label: string }) => a.label.localeCompare(b.label, 'en', { numeric: true });
  return {
    departments: departments.sort((a, b) => a.name.localeCompare(b.name)),
    beds: beds.sort(byLabel),
    patients: patients.sort((a, b) => (a.familyName ?? a.mrn).localeCompare(b.familyName ?? b.mrn)),
    devices: devices.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true })),
  };
}

/** Reads a form field by name. */
export function field(form: HTMLFormElement, name: string): string {
  const el = form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null;
  return el ? el.value.trim() : '';
}

/** An optional number field: '' -> undefined. */
export function numberField(form: HTMLFormElement, name: string): number | undefined {
  const v = field(form, name);
  return v === '' ? undefined : Number(v);
}

/** "Saved. Configuration versions issued: gw-a=4." */
export function savedMessage(what: string, configVersions: string | null): string {
  return configVersions
    ? `${what} Configuration versions issued: ${configVersions}.`
    : `${what} No gateway's configuration changed.`;
}
