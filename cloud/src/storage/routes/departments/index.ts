/** `/v1/departments`: wards of a customer. */
import type { FastifyInstance } from 'fastify';
import { ROLE_SETS } from '../../../auth/roles.js';
import { departmentSpec } from '../../reference/specs.js';
import type { StorageDeps } from '../../deps.js';
import { Uuid } from '../../schemas/common.js';
import { registerCrud } from '../crud.js';
import { CreateDepartment, Department, DepartmentFilters, PatchDepartment } from './schemas.js';

export async function departmentRoutes(app: FastifyInstance, o: { deps: StorageDeps }): Promise<void> {
  registerCrud(app, {
    deps: o.deps,
    spec: departmentSpec,
    path: '/v1/departments',
    idParam: 'departmentId',
    idSchema: Uuid,
    tag: 'departments',
    item: Department,
    readRoles: ROLE_SETS.readers,
    filters: DepartmentFilters,
    create: { roles: ROLE_SETS.writers, body: CreateDepartment },
    update: { roles: ROLE_SETS.writers, body: PatchDepartment },
    remove: { roles: ROLE_SETS.writers },
  });
}
