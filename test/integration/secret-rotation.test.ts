// Secret rotation against the emulator: moto's Secrets Manager holds the versions and stages, the vendor
// stand-in (local/vendor.ts) issues, tests and revokes real keys. moto's Lambda runs no code, so each test plays
// Secrets Manager's part: RotateSecret stages the version, then the real handler runs each step in-process.
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type EmulatorState, provisionStack, SAMPLE_ROTATION_TOKEN } from '../../local/emulator/provision.js';
import { invokeFunction } from '../../local/invoke.js';
import { httpSecretValue, startVendor, type VendorStandIn } from '../../local/vendor.js';
import { FROZEN_NOW } from '../support/freeze.js';
import { uniqueName } from '../support/names.js';

const secrets = new SecretsManagerClient({});
const sqs = new SQSClient({});
const sns = new SNSClient({});
const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
type Step = (typeof STEPS)[number];

interface StepAnswer {
  ok: boolean;
  step: Step;
  changed: boolean;
  note: string;
  apiKeyId?: string;
  revoked: { versionId: string; apiKeyId?: string; outcome: string }[];
}

describe('secret rotation (against the emulator and the vendor stand-in)', () => {
  let state: EmulatorState;
  let vendor: VendorStandIn;
  let functionArn: string;
  let queueUrl: string;

  beforeAll(async () => {
    state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('secret'),
    });
    functionArn = String(state.resources.SecretRotationFunction?.attributes.Arn);
    vendor = await startVendor();
    // The on-call inbox: a queue subscribed to the ops topic.
    queueUrl = String((await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('ops') }))).QueueUrl);
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    await sns.send(
      new SubscribeCommand({
        TopicArn: String(state.resources.OpsTopic?.ref),
        Protocol: 'sqs',
        Endpoint: Attributes?.QueueArn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
  });

  afterAll(async () => {
    await vendor?.stop();
    secrets.destroy();
    sqs.destroy();
    sns.destroy();
  });

  /** A secret holding a vendor key pair, its first key issued by hand. */
  async function httpSecret() {
    const first = vendor.issue();
    const { ARN } = await secrets.send(
      new CreateSecretCommand({ Name: uniqueName('api-key'), SecretString: httpSecretValue(vendor, first) }),
    );
    return { arn: String(ARN), first };
  }

  /** What Secrets Manager does before invoking createSecret: a new version, staged AWSPENDING, no value. */
  async function stageRotation(arn: string): Promise<string> {
    const token = randomUUID();
    await secrets.send(
      new RotateSecretCommand({
        SecretId: arn,
        ClientRequestToken: token,
        RotationLambdaARN: functionArn,
        RotationRules: { AutomaticallyAfterDays: 30 },
      }),
    );
    return token;
  }

  async function step(
    arn: string,
    token: string,
    name: Step,
    env: Record<string, string> = {},
  ): Promise<StepAnswer> {
    const outcome = await invokeFunction({
      logicalId: 'SecretRotationFunction',
      event: { SecretId: arn, ClientRequestToken: token, Step: name },
      state,
      envVars: { SecretRotationFunction: env },
    });
    return outcome.result as StepAnswer;
  }

  async function rotate(arn: string, token: string) {
    const answers: StepAnswer[] = [];
    for (const name of STEPS) answers.push(await step(arn, token, name));
    return answers;
  }

  async function stages(arn: string) {
    return (await secrets.send(new DescribeSecretCommand({ SecretId: arn }))).VersionIdsToStages ?? {};
  }

  async function value(arn: string, stage: string) {
    const answer = await secrets.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: stage }));
    return { versionId: answer.VersionId, ...JSON.parse(String(answer.SecretString)) };
  }

  it('rotates a vendor key pair, every step run twice, and keeps the replaced key valid', async () => {
    // Prepare
    const { arn, first } = await httpSecret();
    const original = await value(arn, 'AWSCURRENT');
    const token = await stageRotation(arn);
    const issued = vendor.requests.filter((r) => r.method === 'POST' && r.path === '/keys').length;

    // Act: Secrets Manager retries steps; each must be safe to run again.
    const answers: StepAnswer[] = [];
    for (const name of STEPS) {
      answers.push(await step(arn, token, name));
      answers.push(await step(arn, token, name));
    }

    // Assess
    expect(answers.map((answer) => [answer.step, answer.ok, answer.changed])).toEqual([
      ['createSecret', true, true],
      ['createSecret', true, false],
      ['setSecret', true, false],
      ['setSecret', true, false],
      ['testSecret', true, false],
      ['testSecret', true, false],
      ['finishSecret', true, true],
      ['finishSecret', true, false],
    ]);
    expect(vendor.requests.filter((r) => r.method === 'POST' && r.path === '/keys').length).toBe(issued + 1);
    expect(await stages(arn)).toEqual({ [original.versionId]: ['AWSPREVIOUS'], [token]: ['AWSCURRENT'] });
    const current = await value(arn, 'AWSCURRENT');
    expect(current.apiKeyId).not.toBe(first.id);
    expect(current).toMatchObject({ provider: 'http', baseUrl: vendor.baseUrl, testPath: '/account' });
    expect(vendor.works(current.apiKey)).toBe(true);
    // Zero downtime: clients that cached the old key keep working until the next rotation.
    expect(vendor.isActive(first.id)).toBe(true);
  });

  it('activates the new key at the vendor in setSecret when the secret names an activatePath', async () => {
    // Prepare
    const first = vendor.issue();
    const { ARN } = await secrets.send(
      new CreateSecretCommand({
        Name: uniqueName('api-key'),
        SecretString: httpSecretValue(vendor, first, { activatePath: '/keys/{apiKeyId}/activate' }),
      }),
    );
    const arn = String(ARN);
    const token = await stageRotation(arn);
    await step(arn, token, 'createSecret');

    // Act
    const set = await step(arn, token, 'setSecret');
    const again = await step(arn, token, 'setSecret');

    // Assess
    const pending = JSON.parse(
      String(
        (
          await secrets.send(
            new GetSecretValueCommand({ SecretId: arn, VersionId: token, VersionStage: 'AWSPENDING' }),
          )
        ).SecretString,
      ),
    );
    expect(set).toMatchObject({ ok: true, changed: true, note: 'pending key activated at the provider' });
    expect(again).toMatchObject({ ok: true });
    expect(
      vendor.requests.filter((r) => r.method === 'POST' && r.path === `/keys/${pending.apiKeyId}/activate`),
    ).toEqual([
      { method: 'POST', path: `/keys/${pending.apiKeyId}/activate`, status: 200 },
      { method: 'POST', path: `/keys/${pending.apiKeyId}/activate`, status: 200 },
    ]);
  });

  it('revokes the AWSPREVIOUS key when the next rotation begins, not before', async () => {
    // Prepare
    const { arn, first } = await httpSecret();
    await rotate(arn, await stageRotation(arn));
    const second = await value(arn, 'AWSCURRENT');
    expect(vendor.isActive(first.id)).toBe(true);

    // Act
    const token = await stageRotation(arn);
    const create = await step(arn, token, 'createSecret');
    await rotate(arn, token);

    // Assess
    expect(create.revoked).toEqual([
      expect.objectContaining({ apiKeyId: first.id, outcome: 'revoked', why: 'previous' }),
    ]);
    expect(vendor.isActive(first.id)).toBe(false);
    expect(vendor.isActive(second.apiKeyId)).toBe(true);
    const third = await value(arn, 'AWSCURRENT');
    expect(third.versionId).toBe(token);
    expect(vendor.works(third.apiKey)).toBe(true);
    expect((await value(arn, 'AWSPREVIOUS')).apiKeyId).toBe(second.apiKeyId);
  });

  it('rotates the sample secret (provider random) from the rotation the emulator staged', async () => {
    // Prepare
    const arn = String(state.resources.SampleApiKeySecret?.ref);
    const before = await value(arn, 'AWSCURRENT');

    // Act
    const answers = await rotate(arn, SAMPLE_ROTATION_TOKEN);

    // Assess
    expect(answers.every((answer) => answer.ok)).toBe(true);
    const after = await value(arn, 'AWSCURRENT');
    expect(after.versionId).toBe(SAMPLE_ROTATION_TOKEN);
    expect(after.provider).toBe('random');
    expect(after.value).toHaveLength(32);
    expect(after.value).not.toBe(before.value);
    expect(await stages(arn)).toEqual({
      [before.versionId]: ['AWSPREVIOUS'],
      [SAMPLE_ROTATION_TOKEN]: ['AWSCURRENT'],
    });
  });

  it('leaves AWSCURRENT untouched when testSecret fails, and the retried rotation completes with the same key', async () => {
    // Prepare
    const { arn, first } = await httpSecret();
    const original = await value(arn, 'AWSCURRENT');
    const token = await stageRotation(arn);
    await step(arn, token, 'createSecret');
    await step(arn, token, 'setSecret');
    const pending = await secrets.send(
      new GetSecretValueCommand({ SecretId: arn, VersionId: token, VersionStage: 'AWSPENDING' }),
    );
    const pendingKeyId = JSON.parse(String(pending.SecretString)).apiKeyId;
    vendor.failTests(true);

    // Act
    const failed = await step(arn, token, 'testSecret').then(
      () => undefined,
      (error: Error) => error,
    );
    vendor.failTests(false);

    // Assess: the step threw (Secrets Manager sees a failed rotation) and nothing moved.
    expect(failed?.message).toBe(
      `testSecret failed: ProviderFailed: test the key ${pendingKeyId}: /account answered 503`,
    );
    expect(await stages(arn)).toEqual({ [original.versionId]: ['AWSCURRENT'], [token]: ['AWSPENDING'] });
    expect((await value(arn, 'AWSCURRENT')).apiKeyId).toBe(first.id);
    expect(vendor.works(first.key)).toBe(true);

    // Act: the vendor back, Secrets Manager retries the whole rotation with the same token.
    const retried = await rotate(arn, token);

    // Assess: the pending key made before the failure is the one that went live; no second key was made.
    expect(retried.map((answer) => answer.ok)).toEqual([true, true, true, true]);
    expect(retried[0]).toMatchObject({ changed: false, apiKeyId: pendingKeyId });
    expect(await stages(arn)).toEqual({ [original.versionId]: ['AWSPREVIOUS'], [token]: ['AWSCURRENT'] });
    expect((await value(arn, 'AWSCURRENT')).apiKeyId).toBe(pendingKeyId);
    expect(vendor.isActive(first.id)).toBe(true);
  });

  /** The keys the vendor issued since `since` (a count of issued keys) that are live and in no version. */
  async function unheldLiveKeys(arn: string, since: number) {
    const { Versions = [] } = await secrets.send(new ListSecretVersionIdsCommand({ SecretId: arn }));
    const held = new Set<string>();
    for (const version of Versions) {
      const answer = await secrets.send(
        new GetSecretValueCommand({ SecretId: arn, VersionId: version.VersionId }),
      );
      held.add(JSON.parse(String(answer.SecretString)).apiKeyId);
    }
    return vendor
      .issuedIds()
      .slice(since)
      .filter((id) => vendor.isActive(id) && !held.has(id));
  }

  describe.each([
    { honours: true, outcome: 'adopts the key the timed-out create made' },
    { honours: false, outcome: 'revokes the key the timed-out create made and stores the new one' },
  ])(
    'with a vendor that answers creates late and honours Idempotency-Key: $honours',
    ({ honours, outcome }) => {
      afterAll(() => {
        vendor.honourIdempotencyKey(true);
        vendor.delayCreates(0, 0);
      });

      it(`fails the step on the timeout, records the late key, and the retry ${outcome}`, async () => {
        // Prepare: creates time out after 300 ms; the vendor issues the key at once and answers after 800 ms.
        vendor.honourIdempotencyKey(honours);
        const first = vendor.issue();
        const { ARN } = await secrets.send(
          new CreateSecretCommand({
            Name: uniqueName('api-key'),
            SecretString: httpSecretValue(vendor, first, { timeoutMs: 300 }),
          }),
        );
        const arn = String(ARN);
        const token = await stageRotation(arn);
        const issuedBefore = vendor.issuedIds().length;
        vendor.delayCreates(800, 1);

        // Act: the first createSecret times out; Secrets Manager retries the whole rotation with the same token.
        const failed = await step(arn, token, 'createSecret').then(
          () => undefined,
          (error: Error) => error,
        );
        const late = vendor.issuedIds().at(-1) as string;
        const retried = await rotate(arn, token);

        // Assess: the failure says what happened, and names the key it recorded.
        expect(failed?.message).toBe(
          `createSecret failed: ProviderFailed: create a key: /keys did not answer within 300 ms; it answered later with key ${late}, recorded for the retry to adopt or revoke`,
        );
        expect(retried.map((answer) => answer.ok)).toEqual([true, true, true, true]);
        // Every create of the rotation carried the same Idempotency-Key, derived from the version.
        const creates = vendor.requests.filter((r) => r.method === 'POST' && r.path === '/keys').slice(-2);
        expect(creates.map((r) => r.idempotencyKey)).toEqual([
          `lambda-runbook-rotation-${token}`,
          `lambda-runbook-rotation-${token}`,
        ]);
        const current = await value(arn, 'AWSCURRENT');
        if (honours) {
          expect(vendor.issuedIds().length).toBe(issuedBefore + 1);
          expect(current.apiKeyId).toBe(late);
          expect(retried[0]?.revoked).toEqual([]);
        } else {
          expect(vendor.issuedIds().length).toBe(issuedBefore + 2);
          expect(current.apiKeyId).not.toBe(late);
          expect(vendor.isActive(late)).toBe(false);
          expect(retried[0]?.revoked).toEqual([
            { versionId: token, why: 'unstored', apiKeyId: late, outcome: 'revoked' },
          ]);
        }
        // The invariant: after the rotation, every key the vendor issued is in the secret or revoked.
        expect(await unheldLiveKeys(arn, issuedBefore - 1)).toEqual([]);
        expect((await secrets.send(new DescribeSecretCommand({ SecretId: arn }))).Tags ?? []).toEqual([]);
      });
    },
  );

  it.each([
    {
      case: 'a token that is not a version of the secret',
      token: () => randomUUID(),
      message: /has no stage for rotation/,
    },
    {
      case: 'a version that is neither AWSCURRENT nor AWSPENDING',
      token: (previous: string) => previous,
      message: /is not AWSPENDING/,
    },
  ])('refuses $case and writes nothing', async ({ token, message }) => {
    // Prepare: one completed rotation, so an AWSPREVIOUS version exists.
    const { arn } = await httpSecret();
    const original = await value(arn, 'AWSCURRENT');
    await rotate(arn, await stageRotation(arn));
    const before = await stages(arn);

    // Act
    const error = await step(arn, token(String(original.versionId)), 'createSecret').then(
      () => undefined,
      (caught: Error) => caught,
    );

    // Assess
    expect(error?.message).toMatch(message);
    expect(error?.message).toContain('(ClientRequestToken)');
    expect(await stages(arn)).toEqual(before);
  });

  it('refuses to rotate a secret whose rotation is not enabled', async () => {
    // Prepare
    const { arn } = await httpSecret();
    const before = await stages(arn);

    // Act
    const error = await step(arn, randomUUID(), 'createSecret').then(
      () => undefined,
      (caught: Error) => caught,
    );

    // Assess
    expect(error?.message).toMatch(
      /createSecret failed: Conflict: secret .* is not enabled for rotation \(SecretId\)/,
    );
    expect(await stages(arn)).toEqual(before);
  });

  it('answers a step for a version already AWSCURRENT without changing anything', async () => {
    // Prepare
    const { arn } = await httpSecret();
    const token = await stageRotation(arn);
    await rotate(arn, token);
    const before = await stages(arn);

    // Act
    const answers = await rotate(arn, token);

    // Assess
    expect(answers.map((answer) => answer.changed)).toEqual([false, false, false, false]);
    expect(await stages(arn)).toEqual(before);
  });

  async function revokePrevious(fields: Record<string, unknown>, env: Record<string, string> = {}) {
    const outcome = await invokeFunction({
      logicalId: 'SecretRotationFunction',
      event: { actor: 'cli:test@ci', action: 'revokePrevious', reason: 'the old key leaked', ...fields },
      state,
      envVars: { SecretRotationFunction: env },
    });
    return { exitCode: outcome.exitCode, ...(outcome.result as Record<string, unknown>) };
  }

  it('revokes the AWSPREVIOUS key only after the grace period, or at once in an emergency', async () => {
    // Prepare
    const { arn, first } = await httpSecret();
    await rotate(arn, await stageRotation(arn));
    const current = await value(arn, 'AWSCURRENT');

    // Act
    const refused = await revokePrevious({ secretId: arn });
    const planned = await revokePrevious({ secretId: arn, emergency: true, dryRun: true });
    const stillActive = vendor.isActive(first.id);
    const revoked = await revokePrevious({ secretId: arn, emergency: true });
    const again = await revokePrevious({ secretId: arn, emergency: true });

    // Assess
    expect(refused).toMatchObject({
      exitCode: 2,
      ok: false,
      error: { code: 'Conflict', field: 'emergency' },
    });
    expect(planned).toMatchObject({ ok: true, outcome: 'planned', changed: false, apiKeyId: first.id });
    expect(stillActive).toBe(true);
    expect(revoked).toMatchObject({
      ok: true,
      outcome: 'revoked',
      changed: true,
      apiKeyId: first.id,
      undo: null,
    });
    expect(again).toMatchObject({ ok: true, outcome: 'already-gone', changed: false });
    expect(vendor.isActive(first.id)).toBe(false);
    expect(vendor.works(current.apiKey)).toBe(true);
  });

  it('revokes the AWSPREVIOUS key without emergency once the grace period is over', async () => {
    // Prepare
    const { arn, first } = await httpSecret();
    await rotate(arn, await stageRotation(arn));

    // Act
    const answer = await revokePrevious({ secretId: arn }, { PREVIOUS_KEY_GRACE_HOURS: '0' });

    // Assess
    expect(answer).toMatchObject({ ok: true, outcome: 'revoked', emergency: false });
    expect(vendor.isActive(first.id)).toBe(false);
  });

  it('the daily sweep changes nothing inside the grace period, and revokes once it is over', async () => {
    // Prepare
    const { arn, first } = await httpSecret();
    await rotate(arn, await stageRotation(arn));

    // Act
    const early = await revokePrevious({ secretId: arn, sweep: true });
    const later = await revokePrevious({ secretId: arn, sweep: true }, { PREVIOUS_KEY_GRACE_HOURS: '0' });

    // Assess
    expect(early).toMatchObject({ exitCode: 0, ok: true, changed: false, outcome: 'none', notified: false });
    expect((early as { note?: string }).note).toMatch(/grace period until .*: not yet/);
    expect(later).toMatchObject({ ok: true, changed: true, outcome: 'revoked', apiKeyId: first.id });
    expect(vendor.isActive(first.id)).toBe(false);
  });

  describe('during a change freeze', () => {
    const frozen = () => ({ FREEZE_WINDOWS: FROZEN_NOW() });
    const keysIssued = () => vendor.requests.filter((r) => r.method === 'POST' && r.path === '/keys').length;

    it('refuses a new rotation at createSecret, makes no key, and leaves the secret as before it began', async () => {
      // Prepare
      const { arn } = await httpSecret();
      const original = await value(arn, 'AWSCURRENT');
      const token = await stageRotation(arn);
      const issued = keysIssued();

      // Act
      const error = await step(arn, token, 'createSecret', frozen()).then(
        () => undefined,
        (caught: Error) => caught,
      );
      const after = await stages(arn);
      const next = await stageRotation(arn);
      const answers = await rotate(arn, next);

      // Assess: refused naming the window; AWSPENDING taken off, so the next rotation starts cleanly.
      expect(error?.message).toMatch(
        /createSecret failed: Conflict: change freeze: a new rotation of .* is refused until .* by window \[0\]/,
      );
      expect(keysIssued()).toBe(issued + 1);
      expect(after[original.versionId]).toEqual(['AWSCURRENT']);
      expect(after[token] ?? []).not.toContain('AWSPENDING');
      expect(answers.map((answer) => answer.ok)).toEqual([true, true, true, true]);
      expect((await stages(arn))[next]).toEqual(['AWSCURRENT']);
    });

    it('completes a rotation whose new key was stored before the freeze began', async () => {
      // Prepare
      const { arn } = await httpSecret();
      const token = await stageRotation(arn);
      await step(arn, token, 'createSecret');

      // Act
      const answers = [];
      for (const name of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const)
        answers.push(await step(arn, token, name, frozen()));

      // Assess
      expect(answers.map((answer) => answer.ok)).toEqual([true, true, true, true]);
      expect((await stages(arn))[token]).toEqual(['AWSCURRENT']);
    });

    it('with a malformed window, refuses to begin a rotation but finishes one whose key is stored', async () => {
      // Prepare
      const malformed = { FREEZE_WINDOWS: 'weekdays 09:25 America/New_York' };
      const { arn } = await httpSecret();
      const started = await stageRotation(arn);
      await step(arn, started, 'createSecret');

      // Act
      const finished = [];
      for (const name of ['setSecret', 'testSecret', 'finishSecret'] as const)
        finished.push(await step(arn, started, name, malformed));
      const refused = await step(arn, await stageRotation(arn), 'createSecret', malformed).then(
        () => undefined,
        (caught: Error) => caught,
      );

      // Assess
      expect(finished.map((answer) => answer.ok)).toEqual([true, true, true]);
      expect((await stages(arn))[started]).toEqual(['AWSCURRENT']);
      expect(refused?.message).toMatch(/createSecret failed/);
    });

    it('refuses to revoke the previous key (an emergency too), but answers a dry run and holds the sweep', async () => {
      // Prepare
      const { arn, first } = await httpSecret();
      await rotate(arn, await stageRotation(arn));

      // Act
      const refused = await revokePrevious({ secretId: arn, emergency: true }, frozen());
      const planned = await revokePrevious({ secretId: arn, emergency: true, dryRun: true }, frozen());
      const sweep = await revokePrevious(
        { secretId: arn, sweep: true },
        { ...frozen(), PREVIOUS_KEY_GRACE_HOURS: '0' },
      );

      // Assess
      expect(refused).toMatchObject({ exitCode: 2, ok: false, error: { code: 'Conflict' } });
      expect((refused as unknown as { error: { message: string } }).error.message).toMatch(
        /change freeze: revoking the previous key of .* is refused until .* by window \[0\] ".*" \(integration test freeze\)/,
      );
      expect(planned).toMatchObject({ ok: true, outcome: 'planned', apiKeyId: first.id });
      expect(sweep).toMatchObject({ exitCode: 0, ok: true, outcome: 'none', changed: false });
      expect((sweep as unknown as { note: string }).note).toMatch(/change freeze/);
      expect(vendor.isActive(first.id)).toBe(true);
    });
  });

  it('provisions the daily sweep as a schedule invoking the rotation function', async () => {
    // Prepare
    const name = String(state.resources.SecretRevokePreviousSchedule?.ref);
    const scheduler = new SchedulerClient({});

    // Act
    const schedule = await scheduler.send(new GetScheduleCommand({ Name: name }));
    scheduler.destroy();

    // Assess
    expect(schedule.Target?.Arn).toBe(functionArn);
    expect(JSON.parse(String(schedule.Target?.Input))).toMatchObject({
      action: 'revokePrevious',
      sweep: true,
      secretId: state.resources.SampleApiKeySecret?.ref,
    });
  });

  it('never writes key material to the logs, the audit ledger or the ops topic', async () => {
    // Prepare: everything the process prints, through stdout, stderr or the console, while it rotates.
    const { arn, first } = await httpSecret();
    const name = String((await secrets.send(new DescribeSecretCommand({ SecretId: arn }))).Name);
    const printed: string[] = [];
    const keep = (chunk: unknown) => {
      printed.push(String(chunk));
      return true;
    };
    const stdout = process.stdout.write;
    const stderr = process.stderr.write;
    process.stdout.write = keep as typeof process.stdout.write;
    process.stderr.write = keep as typeof process.stderr.write;
    const consoles = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void keep(args.join(' '))),
    );

    // Act: a full rotation, a failed step, the next rotation (which revokes) and an emergency revocation.
    try {
      await rotate(arn, await stageRotation(arn));
      const token = await stageRotation(arn);
      await step(arn, token, 'createSecret');
      vendor.failTests(true);
      await step(arn, token, 'testSecret').catch(() => undefined);
      vendor.failTests(false);
      await rotate(arn, token);
      await revokePrevious({ secretId: arn, emergency: true });
    } finally {
      process.stdout.write = stdout;
      process.stderr.write = stderr;
      for (const spy of consoles) spy.mockRestore();
    }

    // Assess
    const keys = [
      first.key,
      (await value(arn, 'AWSPREVIOUS')).apiKey,
      (await value(arn, 'AWSCURRENT')).apiKey,
    ];
    const logs = printed.join('');
    expect(logs).toContain('rotation step finishSecret');
    expect(logs).toMatch(/"level":\s*"ERROR"/);
    const { Items = [] } = await dynamo.send(
      new ScanCommand({ TableName: String(state.resources.AuditTable?.ref) }),
    );
    const records = JSON.stringify(Items.filter((item) => item.target === `secret:${name}`));
    expect(records).toContain('secret.rotation.finishSecret');
    expect(records).toContain('"outcome":"failed"');
    const notifications: string[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      notifications.push(...Messages.map((message) => String(message.Body)));
      if (Messages.length === 0) break;
    }
    const mine = notifications.filter((body) => body.includes(`secret:${name}`)).join('\n');
    expect(mine).toContain('"outcome": "failed"');
    expect(mine).toContain('secret.revokePrevious');
    for (const key of keys) {
      expect(key).toMatch(/^vk_live_/);
      expect(logs).not.toContain(key);
      expect(records).not.toContain(key);
      expect(mine).not.toContain(key);
    }
  });
});
