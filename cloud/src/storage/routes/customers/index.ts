/** `/v1/customers`: tenants. Created and deleted by platform admins; a customer admin may rename its own. */
import type { FastifyInstance } from 'fastify';
import { ROLE_SETS } from '../../../auth/roles.js';
import { columnsOf } from '../../reference/resource.js';
import { customerSpec } from '../../reference/specs.js';
import type { StorageDeps } from '../../deps.js';
import { Uuid } from '../../schemas/common.js';
import { registerCrud } from '../crud.js';
import { CreateCustomer, Customer, CustomerFilters, PatchCustomer } from './schemas.js';

export async function customerRoutes(app: FastifyInstance, o: { deps: StorageDeps }): Promise<void> {
  registerCrud(app, {
    deps: o.deps,
    spec: customerSpec,
    path: '/v1/customers',
    idParam: 'customerId',
    idSchema: Uuid,
    tag: 'customers',
    item: Customer,
    readRoles: ROLE_SETS.readers,
    filters: CustomerFilters,
    create: { roles: ROLE_SETS.platform, body: CreateCustomer, values: (body) => columnsOf(customerSpec, body) },
    update: { roles: ROLE_SETS.writers, body: PatchCustomer },
    remove: { roles: ROLE_SETS.platform, summary: 'Delete a customer that has no departments, patients or devices left' },
  });
}
