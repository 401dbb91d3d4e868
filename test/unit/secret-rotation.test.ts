// The exact Secrets Manager calls of each step, and bad input refused before any write, with
// aws-sdk-client-mock. Full rotations against moto and the vendor stand-in are in
// test/integration/secret-rotation.test.ts.
import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  InternalServiceError,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/secret-rotation/handler.js';
import {
  providerFor,
  VENDOR_CALL_RESERVE_MS,
  vendorCallMs,
} from '../../functions/secret-rotation/providers.js';
import { parseSecret, UNSTORED_TAG } from '../../functions/secret-rotation/rotation.js';
import { RotationStepError } from '../../functions/secret-rotation/step-error.js';
import { lambdaContext } from './support/context.js';
import { setEnv } from './support/env.js';

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

const secrets = mockClient(SecretsManagerClient);
const dynamo = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:trading-api-key-AbCdEf';
const CURRENT = 'a1b2c3d4-0000-4000-8000-000000000001';
const TOKEN = 'a1b2c3d4-0000-4000-8000-000000000002';
const LEAK = 'vk_live_do_not_print_me';

function event(fields: Record<string, unknown> = {}) {
  return { SecretId: ARN, ClientRequestToken: TOKEN, Step: 'createSecret', ...fields };
}

/** A secret under rotation: TOKEN staged AWSPENDING (no value yet), CURRENT holding `value`. */
function secretUnderRotation(value: string, pendingValue?: string) {
  secrets.on(DescribeSecretCommand).resolves({
    ARN,
    Name: 'trading-api-key',
    RotationEnabled: true,
    VersionIdsToStages: { [CURRENT]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] },
  });
  secrets
    .on(GetSecretValueCommand, { SecretId: ARN, VersionStage: 'AWSCURRENT' })
    .resolves({ ARN, VersionId: CURRENT, SecretString: value });
  const pending = secrets.on(GetSecretValueCommand, {
    SecretId: ARN,
    VersionStage: 'AWSPENDING',
    VersionId: TOKEN,
  });
  if (pendingValue === undefined) {
    pending.rejects(new ResourceNotFoundException({ message: 'no value', $metadata: {} }));
  } else {
    pending.resolves({ ARN, VersionId: TOKEN, SecretString: pendingValue });
  }
}

const random = JSON.stringify({ provider: 'random', value: LEAK });

describe('SecretRotationFunction handler', () => {
  let restoreEnv: () => void;

  beforeEach(() => {
    secrets.reset();
    dynamo.reset();
    sns.reset();
    dynamo.on(PutCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    restoreEnv = setEnv({
      AUDIT_TABLE: 'audit',
      OPS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:ops',
      PREVIOUS_KEY_GRACE_HOURS: undefined,
    });
  });

  afterEach(() => restoreEnv());

  it('createSecret puts a GetRandomPassword value on the token as AWSPENDING, with the rotation token', async () => {
    // Prepare
    secretUnderRotation(random);
    secrets.on(GetRandomPasswordCommand).resolves({ RandomPassword: 'n'.repeat(32) });
    secrets.on(PutSecretValueCommand).resolves({ ARN, VersionId: TOKEN });

    // Act
    const result = await handler(event({ RotationToken: 'rotation-token-1' }), lambdaContext());

    // Assess
    expect(result).toMatchObject({ ok: true, step: 'createSecret', changed: true });
    expect(secrets.commandCalls(GetRandomPasswordCommand)[0]?.args[0].input).toEqual({
      PasswordLength: 32,
      ExcludeCharacters: '/@"\'\\',
      RequireEachIncludedType: true,
    });
    expect(secrets.commandCalls(PutSecretValueCommand)[0]?.args[0].input).toEqual({
      SecretId: ARN,
      ClientRequestToken: TOKEN,
      SecretString: JSON.stringify({
        provider: 'random',
        value: 'n'.repeat(32),
        passwordLength: 32,
        excludeCharacters: '/@"\'\\',
      }),
      VersionStages: ['AWSPENDING'],
      RotationToken: 'rotation-token-1',
    });
    expect(JSON.stringify(result)).not.toContain('n'.repeat(32));
  });

  it('createSecret does nothing when the token already holds a value', async () => {
    // Prepare
    secretUnderRotation(random, random);

    // Act
    const result = await handler(event(), lambdaContext());

    // Assess
    expect(result).toMatchObject({ ok: true, changed: false });
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(secrets.commandCalls(GetRandomPasswordCommand)).toHaveLength(0);
  });

  it('finishSecret moves AWSCURRENT to the token, then removes AWSPENDING wherever it is', async () => {
    // Prepare
    secretUnderRotation(random, random);
    secrets
      .on(DescribeSecretCommand)
      .resolvesOnce({
        ARN,
        Name: 'trading-api-key',
        RotationEnabled: true,
        VersionIdsToStages: { [CURRENT]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] },
      })
      .resolvesOnce({
        ARN,
        VersionIdsToStages: { [CURRENT]: ['AWSPREVIOUS'], [TOKEN]: ['AWSPENDING', 'AWSCURRENT'] },
      })
      .resolves({ ARN, VersionIdsToStages: { [CURRENT]: ['AWSPREVIOUS'], [TOKEN]: ['AWSCURRENT'] } });
    secrets.on(UpdateSecretVersionStageCommand).resolves({ ARN });

    // Act
    const result = await handler(event({ Step: 'finishSecret' }), lambdaContext());

    // Assess
    expect(result).toMatchObject({ ok: true, changed: true, stages: { [TOKEN]: ['AWSCURRENT'] } });
    expect(secrets.commandCalls(UpdateSecretVersionStageCommand).map((call) => call.args[0].input)).toEqual([
      { SecretId: ARN, VersionStage: 'AWSCURRENT', MoveToVersionId: TOKEN, RemoveFromVersionId: CURRENT },
      { SecretId: ARN, VersionStage: 'AWSPENDING', RemoveFromVersionId: TOKEN },
    ]);
    // The completed rotation is announced (with the undo command), the routine steps are not.
    const published = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(published?.Subject).toContain('secret.rotation.finishSecret succeeded');
    expect(published?.Message).toContain(`--move-to-version-id ${CURRENT} --remove-from-version-id ${TOKEN}`);
  });

  const badInput = [
    {
      case: 'an unknown step',
      prepare: () => secretUnderRotation(random),
      event: event({ Step: 'rotateSecret' }),
      field: 'Step',
      code: 'ValidationError',
    },
    {
      case: 'a missing token',
      prepare: () => secretUnderRotation(random),
      event: { SecretId: ARN, Step: 'createSecret' },
      field: 'ClientRequestToken',
      code: 'ValidationError',
    },
    {
      case: 'a secret that does not exist',
      prepare: () =>
        secrets
          .on(DescribeSecretCommand)
          .rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} })),
      event: event(),
      field: 'SecretId',
      code: 'NotFound',
    },
    {
      case: 'a secret value that is not JSON',
      prepare: () => secretUnderRotation(`{"provider":"http","apiKey":"${LEAK}"`),
      event: event(),
      field: 'SecretString',
      code: 'ValidationError',
    },
    {
      case: 'an unknown provider',
      prepare: () => secretUnderRotation(JSON.stringify({ provider: 'ldap', password: LEAK })),
      event: event(),
      field: 'SecretString.provider',
      code: 'ValidationError',
    },
    {
      case: 'an http provider sending the key in clear to a non-loopback address',
      prepare: () =>
        secretUnderRotation(
          JSON.stringify({
            provider: 'http',
            apiKeyId: 'key_1',
            apiKey: LEAK,
            baseUrl: 'http://169.254.169.254/latest',
          }),
        ),
      event: event(),
      field: 'SecretString.baseUrl',
      code: 'ValidationError',
    },
  ];

  it.each(badInput)('refuses $case with the field named, and writes nothing', async (bad) => {
    // Prepare
    bad.prepare();

    // Act
    const error = await handler(bad.event, lambdaContext()).then(
      () => undefined,
      (caught: Error) => caught,
    );

    // Assess: thrown, so Secrets Manager sees the step fail.
    expect(error?.name).toBe('RotationStepError');
    expect(error?.message).toContain(`: ${bad.code}: `);
    expect(error?.message).toMatch(new RegExp(`\\(${bad.field.replace('.', '\\.')}\\)$`));
    expect(error?.message).not.toContain(LEAK);
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(secrets.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
    expect(JSON.stringify(dynamo.calls().map((call) => call.args[0].input))).not.toContain(LEAK);
  });

  it('records a new vendor key before storing it, and the retry revokes it when the put had failed', async () => {
    // Prepare: a vendor that answers at once but does not honour Idempotency-Key; the first put fails.
    const http = JSON.stringify({
      provider: 'http',
      apiKeyId: 'key_1',
      apiKey: LEAK,
      baseUrl: 'http://127.0.0.1:9',
    });
    secretUnderRotation(http);
    const made = ['key_2', 'key_3'];
    const vendorCalls: { method: string; path: string; idempotencyKey?: string }[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit) => {
        const headers = init.headers as Record<string, string>;
        vendorCalls.push({
          method: String(init.method),
          path: new URL(url).pathname,
          ...(headers['Idempotency-Key'] ? { idempotencyKey: headers['Idempotency-Key'] } : {}),
        });
        if (init.method === 'POST')
          return Response.json({ id: made.shift(), key: 'vk_new' }, { status: 201 });
        return new Response(null, { status: 204 });
      }),
    );
    secrets
      .on(PutSecretValueCommand)
      .rejectsOnce(new InternalServiceError({ message: 'try again', $metadata: {} }))
      .resolves({ ARN, VersionId: TOKEN });
    const tagOf = (ids: string[]) => Buffer.from(JSON.stringify(ids)).toString('base64url');

    try {
      // Act: the first attempt fails after the vendor made key_2.
      const first = await handler(event(), lambdaContext()).then(
        () => undefined,
        (error: Error) => error,
      );

      // Assess: key_2 was on record before the put was tried, and stays there.
      expect(first?.message).toMatch(/^createSecret failed: InternalError/);
      expect(secrets.commandCalls(TagResourceCommand).map((call) => call.args[0].input)).toEqual([
        { SecretId: ARN, Tags: [{ Key: UNSTORED_TAG, Value: tagOf(['key_2']) }] },
      ]);
      expect(secrets.commandCalls(UntagResourceCommand)).toHaveLength(0);

      // Act: Secrets Manager retries; DescribeSecret now shows the record.
      secrets.on(DescribeSecretCommand).resolves({
        ARN,
        Name: 'trading-api-key',
        RotationEnabled: true,
        VersionIdsToStages: { [CURRENT]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] },
        Tags: [{ Key: UNSTORED_TAG, Value: tagOf(['key_2']) }],
      });
      const retried = await handler(event(), lambdaContext());

      // Assess: key_3 stored; key_2, which nothing holds, revoked; the record cleared.
      expect(retried).toMatchObject({
        ok: true,
        apiKeyId: 'key_3',
        revoked: [{ versionId: TOKEN, why: 'unstored', apiKeyId: 'key_2', outcome: 'revoked' }],
      });
      expect(vendorCalls).toEqual([
        { method: 'POST', path: '/keys', idempotencyKey: `lambda-runbook-rotation-${TOKEN}` },
        { method: 'POST', path: '/keys', idempotencyKey: `lambda-runbook-rotation-${TOKEN}` },
        { method: 'DELETE', path: '/keys/key_2' },
      ]);
      expect(secrets.commandCalls(UntagResourceCommand).map((call) => call.args[0].input)).toEqual([
        { SecretId: ARN, TagKeys: [UNSTORED_TAG] },
      ]);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('answers an operator request that is bad with ok:false naming the field, without throwing', async () => {
    // Act
    const result = await handler({ action: 'revokePrevious', secretId: ARN }, lambdaContext());

    // Assess
    expect(result).toMatchObject({ ok: false, error: { code: 'ValidationError', field: 'reason' } });
    expect(secrets.calls()).toHaveLength(0);
  });
});

describe('parseSecret', () => {
  it('fills the http defaults: paths, Bearer authorization, create answer fields', () => {
    // Act
    const parsed = parseSecret(
      JSON.stringify({
        provider: 'http',
        apiKeyId: 'k1',
        apiKey: LEAK,
        baseUrl: 'https://api.vendor.example/v2',
      }),
      'the value',
    );

    // Assess
    expect(parsed).toEqual({
      provider: 'http',
      apiKeyId: 'k1',
      apiKey: LEAK,
      baseUrl: 'https://api.vendor.example/v2',
      createPath: '/keys',
      testPath: '/account',
      revokePath: '/keys/{apiKeyId}',
      authHeader: 'authorization',
      authScheme: 'Bearer',
      responseIdField: 'id',
      responseKeyField: 'key',
      timeoutMs: 5000,
    });
  });
});

describe('a vendor’s create answer', () => {
  const secretWith = (fields: Record<string, unknown>) =>
    parseSecret(
      JSON.stringify({
        provider: 'http',
        apiKeyId: '41',
        apiKey: LEAK,
        baseUrl: 'https://gitlab.example/api/v4',
        ...fields,
      }),
      'the value',
    );
  const answering = (body: unknown) =>
    (async () => new Response(JSON.stringify(body), { status: 201 })) as unknown as typeof fetch;

  it.each([
    [
      'nested, as JSON:API vendors answer (data.id, data.attributes.key)',
      { responseIdField: 'data.id', responseKeyField: 'data.attributes.key' },
      { data: { type: 'api_keys', id: 'ak_9', attributes: { key: 'new-secret', name: 'runbook' } } },
      'ak_9',
    ],
    [
      'a whole-number id, as GitLab answers a token rotation (id, token)',
      { responseKeyField: 'token' },
      { id: 42, token: 'glpat-new', expires_at: '2027-01-01' },
      '42',
    ],
    [
      'a top-level name with a dot in it, read as that name first',
      { responseIdField: 'key.id', responseKeyField: 'key.value' },
      { 'key.id': 'k-7', 'key.value': 'new-secret', key: { id: 'not-this' } },
      'k-7',
    ],
  ])('reads the new key from an answer %s', async (_, fields, body, id) => {
    // Act
    const current = secretWith(fields);
    const made = await providerFor(
      { secrets: new SecretsManagerClient({}), fetch: answering(body) },
      current,
    ).create(current, 'idem');

    // Assess
    expect(made).toMatchObject({ apiKeyId: id });
    expect((made as { apiKey: string }).apiKey).toMatch(/^(new-secret|glpat-new)$/);
  });

  it('sends the secret’s createBody as JSON, and no body without one', async () => {
    // Prepare
    const sent: RequestInit[] = [];
    const recording = (async (_url: string, init: RequestInit) => {
      sent.push(init);
      return new Response(JSON.stringify({ data: { id: 'ak_1', attributes: { key: 'new-secret' } } }));
    }) as unknown as typeof fetch;
    const jsonApi = secretWith({
      responseIdField: 'data.id',
      responseKeyField: 'data.attributes.key',
      createBody: { data: { type: 'api_keys', attributes: { name: 'trading-bot' } } },
    });
    const plain = secretWith({ responseIdField: 'data.id', responseKeyField: 'data.attributes.key' });

    // Act
    for (const current of [jsonApi, plain])
      await providerFor({ secrets: new SecretsManagerClient({}), fetch: recording }, current).create(
        current,
        'i',
      );

    // Assess
    expect(JSON.parse(String(sent[0]?.body))).toEqual({
      data: { type: 'api_keys', attributes: { name: 'trading-bot' } },
    });
    expect(sent[0]?.headers).toMatchObject({ 'content-type': 'application/json', 'Idempotency-Key': 'i' });
    expect(sent[1]?.body).toBeUndefined();
    expect(sent[1]?.headers).not.toHaveProperty('content-type');
  });

  it('refuses a createBody that is not an object, or larger than 4 KB, naming it', () => {
    expect(() => secretWith({ createBody: 'name=bot' })).toThrow(/createBody/);
    expect(() => secretWith({ createBody: { name: 'x'.repeat(5000) } })).toThrow(
      /createBody must be at most 4096 bytes of JSON/,
    );
  });

  it.each([
    ['a fractional id', 'id', { id: 4.5, key: 'k' }],
    ['an id that is an object', 'id', { id: { value: 'x' }, key: 'k' }],
    ['a path through a string', 'data.id', { data: 'x', key: 'k' }],
    // Object.prototype.constructor.name is "Object": only the answer's own properties count.
    ['a path through inherited properties', 'constructor.name', { key: 'k' }],
  ])('refuses %s, naming the fields, never the answer', async (_, responseIdField, body) => {
    const current = secretWith({ responseIdField });
    const creating = providerFor(
      { secrets: new SecretsManagerClient({}), fetch: answering(body) },
      current,
    ).create(current, 'idem');
    await expect(creating).rejects.toThrow(
      `create a key: the answer has no ${responseIdField} (a string or a whole number) and no string key`,
    );
  });
});

describe('RotationStepError', () => {
  it.each([
    ['createSecret', 'createSecret failed'],
    [{ toString: null }, '{"toString":null} failed'],
    [7, '7 failed'],
    [undefined, 'undefined failed'],
  ])(
    'names the step %j as the event gave it, whatever its type, without a TypeError of its own',
    (step, start) => {
      // Act
      const error = new RotationStepError(step, {
        code: 'ValidationError',
        message: 'Step: invalid',
        field: 'Step',
      });

      // Assess
      expect(error.message.startsWith(start)).toBe(true);
      expect(error.message).toContain('ValidationError: Step: invalid (Step)');
    },
  );
});

describe('a vendor call inside the invocation’s time', () => {
  const vendorSecret = (apiKeyId: string, timeoutMs: number) =>
    parseSecret(
      JSON.stringify({
        provider: 'http',
        apiKeyId,
        apiKey: LEAK,
        baseUrl: 'https://api.vendor.example/v2',
        timeoutMs,
      }),
      'the value',
    );
  /** A vendor that never answers: the call ends only when its signal aborts, and says how long that took. */
  const silentVendor = () => {
    const waited: number[] = [];
    const fetch = ((_url: string, init: RequestInit) =>
      new Promise((_resolve, reject) => {
        const started = Date.now();
        init.signal?.addEventListener('abort', () => {
          waited.push(Date.now() - started);
          reject(init.signal?.reason);
        });
      })) as unknown as typeof globalThis.fetch;
    return { fetch, waited };
  };

  it('waits the secret’s timeoutMs at most, and never past the time left less VENDOR_CALL_RESERVE_MS (an API call’s 28 s)', () => {
    expect(vendorCallMs({}, 25_000)).toBe(25_000);
    expect(vendorCallMs({ remainingMs: () => 28_000 }, 25_000)).toBe(28_000 - VENDOR_CALL_RESERVE_MS);
    expect(vendorCallMs({ remainingMs: () => 900_000 }, 5_000)).toBe(5_000);
    expect(vendorCallMs({ remainingMs: () => 1_000 }, 5_000)).toBe(1);
  });

  it('gives up a revocation the vendor does not answer before the invocation’s time runs out, and fails saying so', async () => {
    // Prepare: 30 s of vendor timeout, but only 5.05 s of the call left
    const { fetch, waited } = silentVendor();
    const provider = providerFor(
      { secrets: new SecretsManagerClient({}), fetch, remainingMs: () => VENDOR_CALL_RESERVE_MS + 50 },
      vendorSecret('k2', 30_000),
    );

    // Act
    const outcome = provider.revoke(vendorSecret('k1', 30_000), vendorSecret('k2', 30_000));

    // Assess
    await expect(outcome).rejects.toThrow(/revoke the key: DELETE \/v2\/keys\/k1 failed/);
    expect(waited[0]).toBeLessThan(1_000);
  });
});
