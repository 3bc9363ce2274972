/** Version of the storage service's HTTP API (OpenAPI info.version, the FHIR CapabilityStatement's software). */
export const STORAGE_API_VERSION = '1.0.0';
