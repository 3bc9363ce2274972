/**
 * `/v1/devices`: monitors, identified by the id they send on the wire. Soft-deleted (decommissioned): readings
 * of a decommissioned device are rejected as DEVICE_NOT_AUTHORISED, its history stays.
 */
import type { FastifyInstance } from 'fastify';
import { ROLE_SETS } from '../../../auth/roles.js';
import { refuseIfAssigned } from '../../reference/assignments.js';
import { deviceSpec } from '../../reference/specs.js';
import type { StorageDeps } from '../../deps.js';
import { DeviceId } from '../../schemas/common.js';
import { registerCrud } from '../crud.js';
import { CreateDevice, Device, DeviceFilters, PatchDevice } from './schemas.js';

export async function deviceRoutes(app: FastifyInstance, o: { deps: StorageDeps }): Promise<void> {
  registerCrud(app, {
    deps: o.deps,
    spec: deviceSpec,
    path: '/v1/devices',
    idParam: 'deviceId',
    idSchema: DeviceId,
    tag: 'devices',
    item: Device,
    readRoles: ROLE_SETS.readers,
    filters: DeviceFilters,
    create: { roles: ROLE_SETS.writers, body: CreateDevice },
    update: { roles: ROLE_SETS.writers, body: PatchDevice },
    remove: { roles: ROLE_SETS.writers, precheck: refuseIfAssigned('device_id', 'device') },
  });
}
