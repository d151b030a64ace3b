import { type ErrorTable, tableError } from '../errors.ts';

/** Mistakes in site registry calls (`ysh sites …`, the admin API's site routes). */
export const REGISTRY_ERRORS = {
  REG_SITE_ID_INVALID: { retriable: false, status: 400, description: 'a site id does not follow the id pattern' },
  REG_SITE_UNKNOWN: { retriable: false, status: 404, description: 'the site named does not exist' },
  REG_TOKEN_UNKNOWN: {
    retriable: false,
    status: 404,
    description: 'the site token named does not exist or is revoked',
  },
} as const satisfies ErrorTable;

export type RegistryErrorCode = keyof typeof REGISTRY_ERRORS;

export class RegistryError extends tableError(REGISTRY_ERRORS) {}
