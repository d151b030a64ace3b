import { type ErrorTable, tableError } from '../errors.ts';

/**
 * Errors of the edge fleet domain shared by the gateway, the admin API and the edge agent:
 * site configurations, enrollment codes, agent heartbeats.
 */
export const FLEET_ERRORS = {
  FLEET_CONFIG_INVALID: {
    retriable: false,
    status: 400,
    description: 'a site configuration is not valid YAML or a field does not meet its expectation',
  },
  FLEET_SITE_UNKNOWN: { retriable: false, status: 404, description: 'the site does not exist' },
  FLEET_ENROLL_CODE_UNKNOWN: {
    retriable: false,
    status: 401,
    description: 'the enrollment code is not one the platform issued (mistyped, or for another platform)',
  },
  FLEET_ENROLL_CODE_USED: {
    retriable: false,
    status: 410,
    description: 'the enrollment code was already used by an agent (each code enrolls one box)',
  },
  FLEET_ENROLL_CODE_EXPIRED: {
    retriable: false,
    status: 410,
    description: 'the enrollment code is past its expiry; create a new one',
  },
  FLEET_HEARTBEAT_INVALID: {
    retriable: false,
    status: 400,
    description: 'an agent heartbeat does not have the documented shape',
  },
} as const satisfies ErrorTable;

export type FleetErrorCode = keyof typeof FLEET_ERRORS;

export class FleetError extends tableError(FLEET_ERRORS) {}

export interface ConfigProblem {
  field: string;
  line: number | undefined;
  message: string;
}

/** A site-config mistake, naming the field path and the line it is on (every problem, one per line). */
export class SiteConfigError extends FleetError {
  readonly field: string;
  readonly line: number | undefined;
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[], file = 'site config') {
    const lines = problems.map((p) => `${file}${p.line === undefined ? '' : `:${p.line}`}: ${p.field}: ${p.message}`);
    super('FLEET_CONFIG_INVALID', lines.join('\n'));
    const first = problems[0];
    this.field = first?.field ?? '(root)';
    this.line = first?.line;
    this.problems = problems;
  }
}
