import { type ErrorTable, errorOptions, YshError } from '@ysh/common';

/** Mistakes in `ysh sites …` arguments; not HTTP answers, so kept out of the gateway's HTTP error table. */
export const PROVISIONING_ERRORS = {
  GW_SITE_ID_INVALID: { retriable: false, description: 'a site id does not follow the id pattern' },
  GW_SITE_UNKNOWN: { retriable: false, description: 'the site named does not exist' },
} as const satisfies ErrorTable;

export class ProvisioningError extends YshError {
  constructor(code: keyof typeof PROVISIONING_ERRORS, message: string) {
    super(code, message, errorOptions(PROVISIONING_ERRORS, code));
  }
}
