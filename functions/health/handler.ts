// GET /health (liveness, no AWS call) and GET /health/metadata (build and live state), also by direct invocation.
import { cloudWatchClient, lambdaClient, schedulerClient } from '../../shared/clients.js';
import { runbookHandler } from '../../shared/handler.js';
import { type Action, type RouteTable, route } from '../../shared/triggers/router.js';
import { parseInput } from '../../shared/validate.js';
import { healthConfig, readMetadata } from './metadata.js';
import { directRequestSchema } from './schema.js';

const liveness = async () => ({ status: 'ok' as const });

// Served at both doors: it reads nothing of the invocation.
const metadata: Action<object> = async (_invocation, context) =>
  readMetadata(
    { lambda: lambdaClient(), scheduler: schedulerClient(), cloudwatch: cloudWatchClient() },
    healthConfig(),
    context,
  );

const routes: RouteTable<object> = {
  api: { 'GET /health': liveness, 'GET /health/metadata': metadata },
  direct: async (invocation, context) => {
    const request = parseInput(directRequestSchema, invocation.payload);
    return request.action === 'liveness' ? liveness() : metadata(invocation, context);
  },
};

export const handler = runbookHandler((invocation, context) =>
  route(invocation, routes)(invocation, context),
);
