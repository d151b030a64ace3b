import type { BoardSpec } from '../board.ts';
import { alerts } from './alerts.ts';
import { fleet } from './fleet.ts';
import { inverter } from './inverter.ts';
import { platform } from './platform.ts';
import { site } from './site.ts';

/** Every dashboard, in the order of the README. */
export const BOARDS: readonly BoardSpec[] = [fleet, site, inverter, alerts, platform];
