/** `/v1/patients`: soft-deleted (kept as history for the readings and assignments that name them). */
import type { FastifyInstance } from 'fastify';
import { ROLE_SETS } from '../../../auth/roles.js';
import { refuseIfAssigned } from '../../reference/assignments.js';
import { patientSpec } from '../../reference/specs.js';
import type { StorageDeps } from '../../deps.js';
import { Uuid } from '../../schemas/common.js';
import { registerCrud } from '../crud.js';
import { CreatePatient, PatchPatient, Patient, PatientFilters } from './schemas.js';

export async function patientRoutes(app: FastifyInstance, o: { deps: StorageDeps }): Promise<void> {
  registerCrud(app, {
    deps: o.deps,
    spec: patientSpec,
    path: '/v1/patients',
    idParam: 'patientId',
    idSchema: Uuid,
    tag: 'patients',
    item: Patient,
    readRoles: ROLE_SETS.readers,
    filters: PatientFilters,
    create: { roles: ROLE_SETS.writers, body: CreatePatient },
    update: { roles: ROLE_SETS.writers, body: PatchPatient },
    remove: { roles: ROLE_SETS.writers, precheck: refuseIfAssigned('patient_id', 'patient') },
  });
}
