/** Error registry of the device simulator. Keep docs/errors.md in step (a test checks). */
import { defineErrors } from '@vitals/shared';

export const SimErrors = defineErrors({
  SIM_ERR_INVALID_OPTIONS: { message: 'invalid simulation options: %s', status: 400, retriable: false },
  SIM_ERR_UNKNOWN_DEVICE: { message: 'no simulated device %s', status: 404, retriable: false },
  SIM_ERR_INVALID_FAULT: { message: 'invalid fault request: %s', status: 400, retriable: false },
  SIM_ERR_FAULT_UNSUPPORTED: { message: 'fault %s is not supported on transport %s', status: 400, retriable: false },
  SIM_ERR_NOT_RUNNING: { message: 'the simulation is %s', status: 409, retriable: false },
  SIM_ERR_CONNECT_FAILED: { message: 'device %s could not connect to %s: %s', retriable: true },
  SIM_ERR_LINK_DOWN: { message: 'link of device %s is down', retriable: true },
  SIM_ERR_LEDGER_WRITE: { message: 'ledger file %s could not be written: %s', retriable: false },
  SIM_ERR_LEDGER_READ: { message: 'ledger file %s line %s is not a ledger entry: %s', retriable: false },
  SIM_ERR_CONTROL_REQUEST: { message: 'bad control request: %s', status: 400, retriable: false },
});
