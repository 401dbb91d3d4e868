// Secret rotation: rotate an API key with no downtime, survive a vendor failure mid-rotation, and answer a
// leaked key. moto's Lambda runs no code, so the drill plays Secrets Manager's part: RotateSecret stages the
// version, then the drill invokes the real handler for each step in order and checks the stages.
import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SAMPLE_ROTATION_TOKEN } from '../../emulator/provision.js';
import { httpSecretValue, startVendor, type VendorStandIn } from '../../vendor.js';
import type { DrillContext, Scenario } from '../scenario.js';

const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

async function withSecrets<T>(run: (secrets: SecretsManagerClient) => Promise<T>): Promise<T> {
  const secrets = new SecretsManagerClient({});
  try {
    return await run(secrets);
  } finally {
    secrets.destroy();
  }
}

const stagesOf = (secretId: string) =>
  withSecrets(
    async (secrets) =>
      (await secrets.send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages ?? {},
  );

const describeStages = (stages: Record<string, string[]>) =>
  Object.entries(stages)
    .map(([id, labels]) => `${id.slice(0, 8)}=${labels.join('+')}`)
    .join(' ');

/** Secrets Manager's first move: a new version, staged AWSPENDING, with no value yet. */
async function stageRotation(ctx: DrillContext, secretId: string): Promise<string> {
  const token = randomUUID();
  await withSecrets((secrets) =>
    secrets.send(
      new RotateSecretCommand({
        SecretId: secretId,
        ClientRequestToken: token,
        RotationLambdaARN: String(ctx.state.resources.SecretRotationFunction?.attributes.Arn),
        RotationRules: { AutomaticallyAfterDays: 30 },
      }),
    ),
  );
  return token;
}

/** One step, as Secrets Manager invokes it; a failed step throws, which is what Secrets Manager reads. */
async function step(ctx: DrillContext, secretId: string, token: string, name: string) {
  try {
    const answer = await ctx.invoke('SecretRotationFunction', {
      SecretId: secretId,
      ClientRequestToken: token,
      Step: name,
    });
    ctx.step(`${name} -> ${answer.body.note}`);
    return { ok: answer.exitCode === 0, body: answer.body };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    ctx.step(`${name} -> FAILED: ${message}`);
    return { ok: false, error: message };
  }
}

async function rotate(ctx: DrillContext, secretId: string, token: string) {
  for (const name of STEPS) {
    const answer = await step(ctx, secretId, token, name);
    if (!answer.ok) return false;
  }
  return true;
}

async function currentKeyOf(secretId: string) {
  const answer = await withSecrets((secrets) =>
    secrets.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' })),
  );
  return { versionId: String(answer.VersionId), ...JSON.parse(String(answer.SecretString)) } as {
    versionId: string;
    apiKeyId: string;
    apiKey: string;
  };
}

/** A vendor key pair under rotation, its first key issued by hand. */
async function vendorSecret(ctx: DrillContext, vendor: VendorStandIn, label: string) {
  const first = vendor.issue();
  const { ARN } = await withSecrets((secrets) =>
    secrets.send(
      new CreateSecretCommand({
        Name: `${ctx.state.stackName}-${label}-${randomUUID().slice(0, 8)}`,
        SecretString: httpSecretValue(vendor, first),
      }),
    ),
  );
  ctx.step(`vendor key ${first.id} stored in ${String(ARN).split(':').at(-1)}`);
  return { arn: String(ARN), first };
}

async function withVendor(run: (vendor: VendorStandIn) => Promise<void>) {
  const vendor = await startVendor();
  try {
    await run(vendor);
  } finally {
    await vendor.stop();
  }
}

export const secretScenarios: Scenario[] = [
  {
    name: 'secret.rotation',
    summary:
      'a scheduled rotation of the sample key: four steps, then AWSCURRENT moves and no AWSPENDING is left',
    async run(ctx: DrillContext) {
      const secretId = String(ctx.state.resources.SampleApiKeySecret?.ref);
      const before = await stagesOf(secretId);
      ctx.step(`staged by the emulator's first rotation: ${describeStages(before)}`);
      ctx.expect(before[SAMPLE_ROTATION_TOKEN]?.includes('AWSPENDING'), 'the sample rotation is not staged');
      const original = Object.entries(before).find(([, labels]) => labels.includes('AWSCURRENT'))?.[0];
      ctx.expect(await rotate(ctx, secretId, SAMPLE_ROTATION_TOKEN), 'the rotation failed');
      const after = await stagesOf(secretId);
      ctx.step(`after: ${describeStages(after)}`);
      ctx.expect(
        JSON.stringify(after) ===
          JSON.stringify({ [String(original)]: ['AWSPREVIOUS'], [SAMPLE_ROTATION_TOKEN]: ['AWSCURRENT'] }),
        `unexpected stages ${JSON.stringify(after)}`,
      );
      // The next scheduled rotation, end to end.
      const token = await stageRotation(ctx, secretId);
      ctx.expect(await rotate(ctx, secretId, token), 'the second rotation failed');
      const next = await stagesOf(secretId);
      ctx.step(`next rotation: ${describeStages(next)}`);
      ctx.expect(next[token]?.join() === 'AWSCURRENT', 'the new version is not AWSCURRENT alone');
      ctx.expect(
        next[SAMPLE_ROTATION_TOKEN]?.join() === 'AWSPREVIOUS',
        'the replaced version is not AWSPREVIOUS',
      );
    },
  },
  {
    name: 'secret.failed-test',
    summary:
      "the vendor fails testSecret mid-rotation: the current key stays live; Secrets Manager's retry completes",
    async run(ctx: DrillContext) {
      await withVendor(async (vendor) => {
        const { arn, first } = await vendorSecret(ctx, vendor, 'vendor-key');
        const token = await stageRotation(ctx, arn);
        ctx.expect((await step(ctx, arn, token, 'createSecret')).ok, 'createSecret failed');
        ctx.expect((await step(ctx, arn, token, 'setSecret')).ok, 'setSecret failed');
        vendor.failTests(true);
        ctx.step('the vendor read endpoint starts answering 503');
        const failed = await step(ctx, arn, token, 'testSecret');
        ctx.expect(!failed.ok, 'testSecret passed against a failing vendor');
        const during = await currentKeyOf(arn);
        ctx.expect(during.apiKeyId === first.id, `AWSCURRENT moved to ${during.apiKeyId}`);
        ctx.expect(vendor.works(first.key), 'the current key stopped working');
        ctx.step(`current key ${first.id} untouched and working; ${describeStages(await stagesOf(arn))}`);
        vendor.failTests(false);
        ctx.step('the vendor recovers; Secrets Manager retries the rotation with the same token');
        ctx.expect(await rotate(ctx, arn, token), 'the retried rotation failed');
        const after = await currentKeyOf(arn);
        ctx.expect(after.versionId === token && vendor.works(after.apiKey), 'the new key is not live');
        ctx.expect(vendor.isActive(first.id), 'the replaced key was revoked during its overlap');
        ctx.step(
          `new key ${after.apiKeyId} live; replaced key ${first.id} still valid until the next rotation`,
        );
      });
    },
  },
  {
    name: 'secret.leaked-key',
    summary: 'a key leaked: rotate now, then revoke the replaced key at once with the emergency flag',
    async run(ctx: DrillContext) {
      await withVendor(async (vendor) => {
        const { arn, first } = await vendorSecret(ctx, vendor, 'leaked-key');
        ctx.expect(await rotate(ctx, arn, await stageRotation(ctx, arn)), 'the rotation failed');
        const request = {
          actor: 'cli:drill@local',
          action: 'revokePrevious',
          secretId: arn,
          reason: 'drill: key leaked',
        };
        const held = await ctx.invoke('SecretRotationFunction', request);
        const error = held.body.error as { field?: string } | undefined;
        ctx.step(`revoke without emergency -> refused (${error?.field}): inside the grace period`);
        ctx.expect(held.exitCode === 2 && error?.field === 'emergency', 'the grace period did not hold');
        const revoked = await ctx.invoke('SecretRotationFunction', { ...request, emergency: true });
        ctx.step(`revoke with emergency -> ${revoked.body.note}`);
        ctx.expect(
          revoked.exitCode === 0 && revoked.body.outcome === 'revoked',
          'the leaked key was not revoked',
        );
        ctx.expect(!vendor.works(first.key), 'the leaked key still works');
        ctx.expect(vendor.works((await currentKeyOf(arn)).apiKey), 'the new key does not work');
      });
    },
  },
];
