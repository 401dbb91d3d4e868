// Which queues a request may name, decided before any network call (issue 13, point 1).
//
// The SQS client sends each request to the host of the QueueUrl it is given, not to its own endpoint, when
// the two differ (`useQueueUrlAsEndpoint`, on by default: https://github.com/aws/aws-sdk-js-v3/tree/main/packages/middleware-sdk-sqs),
// signed with the function's credentials. So a queue given as a URL is accepted only when its origin is
// exactly the endpoint the drainer's own client resolves, its account is the deployment's and its name is
// allowed; everything else is refused here with a 400 naming the field. Accepted URLs are then reduced to
// their name and resolved again with GetQueueUrl, so the URL every later call carries comes from SQS.
import type { SQSClient } from '@aws-sdk/client-sqs';
import { ValidationError } from '../../shared/errors.js';

/** A queue a request names, reduced to what the drainer trusts: its name (and the account it was given in). */
export interface QueueRef {
  name: string;
  /** The request gave a URL (checked against the endpoint and the account), not a name. */
  givenAsUrl: boolean;
}

type EndpointConfig = SQSClient['config'] & {
  serviceConfiguredEndpoint?: () => Promise<string | undefined>;
  ignoreConfiguredEndpointUrls?: boolean;
};

/**
 * The endpoint the client sends SQS requests to, resolved as the SDK resolves it and without a network call:
 * an endpoint given to the client, else the configured one (AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL, or
 * `endpoint_url` in the shared config), else the Region's (https://docs.aws.amazon.com/general/latest/gr/sqs-service.html).
 */
export async function sqsEndpoint(sqs: SQSClient): Promise<URL> {
  const config = sqs.config as EndpointConfig;
  if (config.isCustomEndpoint && config.endpoint) {
    const { protocol, hostname, port, path } = await config.endpoint();
    return new URL(`${protocol}//${hostname}${port ? `:${port}` : ''}${path}`);
  }
  if (!config.ignoreConfiguredEndpointUrls) {
    const configured = await config.serviceConfiguredEndpoint?.();
    if (configured) return new URL(configured);
  }
  const resolved = config.endpointProvider({
    Region: await config.region(),
    UseFIPS: await config.useFipsEndpoint(),
    UseDualStack: await config.useDualstackEndpoint(),
  });
  return new URL(resolved.url.href);
}

const NAME = /^[A-Za-z0-9_-]{1,80}$|^[A-Za-z0-9_-]{1,75}\.fifo$/;

/**
 * Reads a queue name or URL from a request. A URL must be `<endpoint>/<account>/<name>` with the endpoint's
 * exact scheme, host and port (no user, query or fragment) and the deployment's account.
 */
export function queueRef(value: string, field: string, endpoint: URL, accountId: string): QueueRef {
  if (!value.includes('/')) {
    if (!NAME.test(value)) throw new ValidationError(`${field}: expected an SQS queue name or URL`, field);
    return { name: value, givenAsUrl: false };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError(`${field}: expected an SQS queue name or URL`, field);
  }
  if (url.origin !== endpoint.origin || url.username || url.password || url.search || url.hash) {
    throw new ValidationError(
      `${field}: a queue URL must be on this deployment's SQS endpoint ${endpoint.origin}; give the queue's name instead`,
      field,
    );
  }
  const base = endpoint.pathname.endsWith('/') ? endpoint.pathname : `${endpoint.pathname}/`;
  const rest = url.pathname.startsWith(base) ? url.pathname.slice(base.length).split('/') : [];
  const [account, name] = rest;
  if (rest.length !== 2 || account === undefined || name === undefined || !NAME.test(name)) {
    throw new ValidationError(`${field}: expected ${endpoint.origin}${base}<account>/<queue name>`, field);
  }
  if (account !== accountId) {
    throw new ValidationError(`${field}: the queue is in account ${account}, not this deployment's`, field);
  }
  return { name, givenAsUrl: true };
}

/** Refuses a name outside a non-empty allow-list; `hint` says where else to go. */
export function assertAllowed(
  ref: QueueRef,
  allowed: readonly string[],
  field: string,
  what: string,
  hint = '',
): void {
  if (allowed.length > 0 && !allowed.includes(ref.name)) {
    throw new ValidationError(`${field}: ${what} ${allowed.join(', ')} only, not ${ref.name}${hint}`, field);
  }
}

/**
 * Where another DLQ is drained: this function drains the stack's own DLQs; a workload on the watch list has its
 * DLQs drained by the fleet function (a queue this function does not know may well be one of those).
 */
export const FLEET_DRAIN_HINT =
  "; a watched workload's DLQ is drained with `runbook fleet drain --workload NAME --reason TEXT` (`runbook fleet status` names the workloads)";

/**
 * Every queue a request names, checked without a network call: the DLQ against `allowedQueues`, an SQS target
 * against `allowedTargetQueues` (an empty list is checked later, against the DLQ's source queues).
 */
export function checkQueues(
  request: { queue: string; target?: { type: string; queue?: string; queueUrl?: string } },
  endpoint: URL,
  config: { accountId: string; allowedQueues: readonly string[]; allowedTargetQueues: readonly string[] },
): { source: QueueRef; target?: QueueRef; targetField: string } {
  const source = queueRef(request.queue, 'queue', endpoint, config.accountId);
  assertAllowed(source, config.allowedQueues, 'queue', 'this runbook drains', FLEET_DRAIN_HINT);
  const sqsTarget = request.target?.type === 'sqs' ? request.target : undefined;
  const targetField = sqsTarget?.queue !== undefined ? 'target.queue' : 'target.queueUrl';
  if (!sqsTarget) return { source, targetField };
  const target = queueRef(
    String(sqsTarget.queue ?? sqsTarget.queueUrl),
    targetField,
    endpoint,
    config.accountId,
  );
  assertAllowed(target, config.allowedTargetQueues, targetField, 'this runbook redrives to');
  return { source, target, targetField };
}

/** `https://…/123456789012/name` → `name` (for queue URLs that SQS itself answered). */
export function nameOfUrl(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}
