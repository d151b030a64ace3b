import { YshError } from '@ysh/common';

/** Mistakes in `ysh sites …` arguments; not HTTP answers, so kept out of the gateway error table. */
export const PROVISIONING_ERROR_CODES = {
  GW_SITE_ID_INVALID: 'a site id does not follow the id pattern',
  GW_SITE_UNKNOWN: 'the site named does not exist',
} as const;

export class ProvisioningError extends YshError {
  constructor(code: keyof typeof PROVISIONING_ERROR_CODES, message: string) {
    super(code, message);
  }
}
