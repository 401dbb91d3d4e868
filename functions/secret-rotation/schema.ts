import * as z from 'zod';
import { intSetting } from '../../shared/env.js';
import { ValidationError } from '../../shared/errors.js';
import { breakGlassSchema } from '../../shared/reason.js';
import { isObject } from '../../shared/validate.js';

// Secrets Manager invokes the rotation function with these fields, once per step:
// https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html
export const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type Step = (typeof STEPS)[number];

/**
 * One rotation step as Secrets Manager sends it. Not strict: Secrets Manager has added fields before
 * (RotationToken) and a new one must not fail a rotation.
 */
export const rotationEventSchema = z.object({
  SecretId: z.string({ error: 'SecretId is required' }).min(1, 'SecretId is required').max(2048),
  // ClientRequestToken is the id of the version being rotated in: 32 to 64 characters.
  ClientRequestToken: z
    .string({ error: 'ClientRequestToken is required (the version being rotated in)' })
    .min(32, 'ClientRequestToken must be 32 to 64 characters')
    .max(64, 'ClientRequestToken must be 32 to 64 characters'),
  Step: z.enum(STEPS, { error: `Step must be one of ${STEPS.join(', ')}` }),
  // Proves to PutSecretValue that this call belongs to the rotation (assumed-role and cross-account
  // rotation). Sensitive: passed through, never logged or recorded.
  RotationToken: z.string().min(1).max(256).optional(),
});

export type RotationEvent = z.infer<typeof rotationEventSchema>;

/**
 * An operator's request — by direct invocation, or `POST /secret/revoke-previous` (the route says the action) —
 * or the daily sweep's: revoke the key that is now AWSPREVIOUS.
 */
export const revokePreviousRequestSchema = z
  .strictObject({
    action: z.literal('revokePrevious', { error: 'action must be "revokePrevious"' }),
    secretId: z.string({ error: 'secretId is required' }).min(1, 'secretId is required').max(2048),
    reason: z
      .string({ error: 'reason is required: say why the previous key must go' })
      .trim()
      .min(3, 'reason must be at least 3 characters')
      .max(500, 'reason must be at most 500 characters'),
    /** Revoke now, inside the grace period: the key leaked. */
    emergency: z.boolean().default(false),
    /**
     * The daily schedule's sweep: inside the grace period, or with nothing to revoke, is not an error, and is
     * recorded without notifying anyone.
     */
    sweep: z.boolean().default(false),
    dryRun: z.boolean().default(false),
    /**
     * An emergency revocation alone, without the approval it would need (ApprovalFor secret.revoke): recorded and
     * notified as break-glass (issue 18).
     */
    breakGlass: breakGlassSchema,
  })
  // The sweep is the schedule's, exempt from RequireApiFor and approval because it only ever revokes a key
  // whose grace period is over: an emergency is a person's request.
  .refine((request) => !(request.sweep && request.emergency), {
    path: ['emergency'],
    message: "emergency is a person's request, not the sweep's: send one or the other",
  });

export type RevokePreviousRequest = z.infer<typeof revokePreviousRequestSchema>;

/**
 * The request `POST /secret/revoke-previous` makes of its body: the route says the action (a body that says
 * another is refused). Only a person asks through the API: a sweep is the schedule's, by direct invocation.
 */
export function revokeBody(body: unknown): Record<string, unknown> {
  if (body === undefined) return { action: 'revokePrevious' };
  if (!isObject(body)) throw new ValidationError('request body must be a JSON object', 'body');
  if (body.action !== undefined && body.action !== 'revokePrevious')
    throw new ValidationError(
      `action: this route revokes the previous key; the body says ${JSON.stringify(body.action)}`,
      'action',
    );
  if (body.sweep !== undefined)
    throw new ValidationError("sweep: the daily sweep is the schedule's, not an API request", 'sweep');
  return { ...body, action: 'revokePrevious' };
}

/** Secrets Manager's event, or an operator's request: told apart by the operator's `action` field. */
export const isOperatorRequest = (payload: unknown): boolean => isObject(payload) && 'action' in payload;

// ------------------------------------------------------------------------------------------ the secret

/**
 * A vendor's base URL: HTTPS, or plain HTTP to the loopback interface only (the local vendor stand-in).
 * A key sent in clear over a network, or to a link-local metadata address, would be a leak.
 */
const baseUrl = z.url({ error: 'baseUrl must be a URL' }).refine((text) => {
  const url = new URL(text);
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}, 'baseUrl must be https:// (plain http:// only to 127.0.0.1 or localhost)');

const path = z.string().regex(/^\/[A-Za-z0-9._~\-/{}]*$/, 'expected a path starting with /');

/**
 * `{ "provider": "random", "value": "…" }`: an internal token or password, made by GetRandomPassword.
 * There is nothing to activate or revoke: whoever reads the secret gets the new value.
 */
export const randomSecretSchema = z.object({
  provider: z.literal('random'),
  value: z.string({ error: 'value is required' }).min(1, 'value is required'),
  passwordLength: z.number().int().min(16).max(4096).default(32),
  excludeCharacters: z.string().max(200).default('/@"\'\\'),
});

/**
 * `{ "provider": "http", "apiKeyId", "apiKey", "baseUrl", … }`: a key pair of a vendor's key API. Only
 * `apiKey` is secret; the rest configures how keys are made, tested and revoked. The current key creates
 * its successor (`POST createPath`), the new key proves itself on a read-only endpoint (`GET testPath`),
 * and the current key revokes an old one (`DELETE revokePath`, `{apiKeyId}` replaced).
 */
export const httpSecretSchema = z.object({
  provider: z.literal('http'),
  apiKeyId: z.string({ error: 'apiKeyId is required' }).min(1, 'apiKeyId is required').max(256),
  apiKey: z.string({ error: 'apiKey is required' }).min(1, 'apiKey is required').max(4096),
  baseUrl,
  createPath: path.default('/keys'),
  /** Optional: vendors whose new keys need an explicit activation (`POST`, `{apiKeyId}` replaced). */
  activatePath: path.optional(),
  /**
   * Optional: the JSON body of the create (`POST createPath`), for vendors that want one — a key's name or
   * scopes (`{"name": "trading-bot"}`, or JSON:API's `{"data": {"type": "api_keys", …}}`). At most 4 KB.
   */
  createBody: z
    .record(z.string(), z.unknown())
    .refine((body) => JSON.stringify(body).length <= 4096, 'createBody must be at most 4096 bytes of JSON')
    .optional(),
  testPath: path.default('/account'),
  revokePath: path.default('/keys/{apiKeyId}'),
  /** The header that carries the key, and the scheme before it (`Bearer`; '' sends the bare key). */
  authHeader: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, 'authHeader must be a header name')
    .default('authorization'),
  authScheme: z
    .string()
    .regex(/^[A-Za-z0-9-]{0,32}$/)
    .default('Bearer'),
  /**
   * Where the create answer puts the new key's id and value: a field name, or a dotted path into nested objects
   * (`data.id`, `data.attributes.key`). The id may be a string or a whole number.
   */
  responseIdField: z.string().min(1).max(64).default('id'),
  responseKeyField: z.string().min(1).max(64).default('key'),
  timeoutMs: z.number().int().min(100).max(30_000).default(5000),
});

export const secretDocumentSchema = z.discriminatedUnion('provider', [randomSecretSchema, httpSecretSchema], {
  error: (issue) => (issue.code === 'invalid_union' ? 'provider must be "random" or "http"' : undefined),
});

export type RandomSecret = z.infer<typeof randomSecretSchema>;
export type HttpSecret = z.infer<typeof httpSecretSchema>;
export type SecretDocument = z.infer<typeof secretDocumentSchema>;

/** The function's configuration, from template.yaml. */
export const rotationConfigSchema = z.object({
  /**
   * How long the key that became AWSPREVIOUS stays valid before `revokePrevious` may revoke it without
   * `emergency`. The next rotation revokes it in any case.
   */
  PREVIOUS_KEY_GRACE_HOURS: intSetting(24, 0, 8760),
});
