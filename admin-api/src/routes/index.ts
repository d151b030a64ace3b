import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.ts';
import { adminRoutes } from './admin-routes.ts';
import { alertsRoutes } from './alerts-routes.ts';
import { authRoutes } from './auth-routes.ts';
import { devicesRoutes } from './devices-routes.ts';
import { domainRoutes } from './domain-routes.ts';
import { eventsRoutes } from './events-routes.ts';
import { fleetRoutes } from './fleet-routes.ts';
import { jobsRoutes } from './jobs-routes.ts';
import { sitesRoutes } from './sites-routes.ts';
import { telemetryRoutes } from './telemetry-routes.ts';

/** The route groups under /v1, each an encapsulated plugin; the OpenAPI document is generated from them. */
export const ROUTE_GROUPS: ReadonlyArray<FastifyPluginAsyncTypebox<{ ctx: ApiContext }>> = [
  authRoutes,
  sitesRoutes,
  devicesRoutes,
  telemetryRoutes,
  alertsRoutes,
  jobsRoutes,
  adminRoutes,
  eventsRoutes,
  fleetRoutes,
  domainRoutes,
];
