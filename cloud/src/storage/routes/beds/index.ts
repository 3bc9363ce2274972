/** `/v1/beds`: beds of a department. */
import type { FastifyInstance } from 'fastify';
import { ROLE_SETS } from '../../../auth/roles.js';
import { bedSpec } from '../../reference/specs.js';
import type { StorageDeps } from '../../deps.js';
import { Uuid } from '../../schemas/common.js';
import { registerCrud } from '../crud.js';
import { Bed, BedFilters, CreateBed, PatchBed } from './schemas.js';

export async function bedRoutes(app: FastifyInstance, o: { deps: StorageDeps }): Promise<void> {
  registerCrud(app, {
    deps: o.deps,
    spec: bedSpec,
    path: '/v1/beds',
    idParam: 'bedId',
    idSchema: Uuid,
    tag: 'beds',
    item: Bed,
    readRoles: ROLE_SETS.readers,
    filters: BedFilters,
    create: { roles: ROLE_SETS.writers, body: CreateBed },
    update: { roles: ROLE_SETS.writers, body: PatchBed },
    remove: { roles: ROLE_SETS.writers },
  });
}
