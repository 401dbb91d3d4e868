import { randomBytes } from 'node:crypto';

/** Lambda function and Scheduler schedule names allow at most 64 characters; SQS and DynamoDB allow more. */
const MAX_LENGTH = 64;
const ALLOWED = /^[A-Za-z0-9_-]+$/;

/**
 * A resource name no other test will use: `prefix-<time><random>`. All test files share one moto server,
 * so they isolate by name instead of resetting it. Valid for Lambda, SQS, DynamoDB and Scheduler names.
 *
 * @example
 * const FunctionName = uniqueName('rollback-target'); // 'rollback-target-mhb3k2lq9f0c1a2b'
 */
export function uniqueName(prefix: string): string {
  if (!ALLOWED.test(prefix)) {
    throw new Error(`uniqueName prefix must match ${ALLOWED}, got ${JSON.stringify(prefix)}`);
  }
  const suffix = `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
  return `${prefix.slice(0, MAX_LENGTH - suffix.length - 1)}-${suffix}`;
}
