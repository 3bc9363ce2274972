/** The cloud package's public surface for other packages (services start through `cli.ts`). */
export { CloudErrors, type CloudErrorCode } from './errors.js';
export {
  cloudCommonSettings,
  storageSettings,
  loadCloudCommonConfig,
  loadStorageConfig,
  type CloudCommonConfig,
  type StorageConfig,
} from './config.js';
export { startStorage, buildStorageServer, createStorageDeps, type RunningService } from './storage/server.js';
export { ROLES, type Role, type Principal } from './auth/roles.js';
export { hashToken, generateToken, TOKEN_PREFIX } from './auth/tokens.js';
export { signJwt, type JwtClaims, type JwtSettings } from './auth/jwt.js';
