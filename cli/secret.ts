// runbook secret status|rotate|revoke-previous --secret-id ID …
// Status reads DescribeSecret (and the versions' dates) and never a value. Rotate calls RotateSecret; on the
// emulator, whose Lambda runs no code, the CLI then plays Secrets Manager's part and runs the four steps
// through the real handler in-process. Revoke-previous sends the SecretRotationFunction's operator request.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeSecretCommand,
  ListSecretVersionIdsCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { EmulatorState } from '../local/emulator/provision.js';
import { invokeFunction, isFailure } from '../local/invoke.js';
import { type LocalStack, localStack } from './local-stack.js';
import type { Opts } from './opts.js';
import { printAnswer, withStdoutOnStderr } from './output.js';
import { cliActor, confirm } from './prompt.js';
import { asJson, secretRotateSummary, secretStatusSummary } from './render.js';
import { emulatorNamed, regionOf, sayTarget } from './target.js';

const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
// A rotation takes seconds; a pending version older than this is stuck, not in progress.
const STUCK_AFTER_MS = 15 * 60_000;

type Stages = Record<string, string[]>;
const versionWith = (stages: Stages, label: string) =>
  Object.entries(stages).find(([, labels]) => labels.includes(label))?.[0];

/** A rotation in progress or stuck: AWSPENDING on a version that is not AWSCURRENT. */
function pendingRotation(stages: Stages): string | undefined {
  return Object.entries(stages).find(
    ([, labels]) => labels.includes('AWSPENDING') && !labels.includes('AWSCURRENT'),
  )?.[0];
}

export async function secretStatus(secrets: SecretsManagerClient, secretId: string, now = new Date()) {
  const description = await secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
  const stages = (description.VersionIdsToStages ?? {}) as Stages;
  // The versions' creation dates tell a rotation in progress from a stuck one; a listing that fails (moto,
  // or no permission) only loses the dates.
  const created = new Map<string, Date>();
  try {
    const listing = await secrets.send(new ListSecretVersionIdsCommand({ SecretId: secretId }));
    for (const version of listing.Versions ?? []) {
      if (version.VersionId && version.CreatedDate) created.set(version.VersionId, version.CreatedDate);
    }
  } catch {}
  const pending = pendingRotation(stages);
  const pendingSince = pending ? created.get(pending) : undefined;
  const stuck =
    pending !== undefined && (!pendingSince || now.getTime() - pendingSince.getTime() > STUCK_AFTER_MS);
  const arn = String(description.ARN);
  return {
    name: description.Name,
    arn,
    rotationEnabled: description.RotationEnabled ?? false,
    rotationFunction: description.RotationLambdaARN ?? null,
    rotationRules: description.RotationRules ?? null,
    lastRotatedDate: description.LastRotatedDate?.toISOString() ?? null,
    nextRotationDate: description.NextRotationDate?.toISOString() ?? null,
    lastChangedDate: description.LastChangedDate?.toISOString() ?? null,
    current: versionWith(stages, 'AWSCURRENT') ?? null,
    previous: versionWith(stages, 'AWSPREVIOUS') ?? null,
    versions: Object.entries(stages).map(([versionId, labels]) => ({
      versionId,
      stages: labels,
      createdDate: created.get(versionId)?.toISOString() ?? null,
    })),
    rotation: pending
      ? {
          state: stuck ? ('stuck' as const) : ('in-progress' as const),
          pendingVersionId: pending,
          ...(stuck
            ? {
                fix: [
                  `runbook secret rotate --secret-id ${arn} --resume`,
                  `or, to abandon it: aws secretsmanager update-secret-version-stage --secret-id ${arn} --version-stage AWSPENDING --remove-from-version-id ${pending}`,
                ],
              }
            : {}),
        }
      : { state: 'idle' as const },
  };
}

type Sender = (event: Record<string, unknown>) => Promise<{ failed: boolean; result: unknown }>;

/** Sends an event to the SecretRotationFunction: in-process (the emulator or your credentials) or by Lambda. */
function sender(via: string, functionName: string | undefined, state: EmulatorState | undefined): Sender {
  if (via === 'lambda') {
    const lambda = new LambdaClient({});
    return async (event) => {
      const answer = await lambda.send(
        new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(event)) }),
      );
      const text = Buffer.from(answer.Payload ?? new Uint8Array()).toString('utf8');
      const result: unknown = text ? JSON.parse(text) : null;
      return { failed: Boolean(answer.FunctionError) || isFailure(result), result };
    };
  }
  return async (event) => {
    try {
      const outcome = await withStdoutOnStderr(() =>
        invokeFunction({ logicalId: 'SecretRotationFunction', event, ...(state ? { state } : {}) }),
      );
      return { failed: outcome.exitCode !== 0, result: outcome.result };
    } catch (error) {
      // A failed rotation step throws, as Secrets Manager needs it to.
      return { failed: true, result: { error: error instanceof Error ? error.message : String(error) } };
    }
  };
}

async function runSteps(send: Sender, secretId: string, token: string) {
  const steps: unknown[] = [];
  for (const step of STEPS) {
    const { failed, result } = await send({ SecretId: secretId, ClientRequestToken: token, Step: step });
    const { ok: _ok, stages: _stages, ...answer } = (result ?? {}) as Record<string, unknown>;
    steps.push({ step, ...answer });
    if (failed) return { ok: false, steps };
  }
  return { ok: true, steps };
}

export const runSecret =
  (sub: 'status' | 'rotate' | 'revoke-previous') =>
  (opts: Opts): Promise<number> =>
    secret(sub, {
      'secret-id': typeof opts.secretId === 'string' ? opts.secretId : undefined,
      reason: typeof opts.reason === 'string' ? opts.reason : undefined,
      resume: opts.resume === true,
      emergency: opts.emergency === true,
      'dry-run': opts.dryRun === true,
      wait: String(opts.wait ?? '90'),
      yes: opts.yes === true,
      emulator: opts.emulator === true,
      via: String(opts.via ?? 'local'),
      'rotation-function': typeof opts.rotationFunction === 'string' ? opts.rotationFunction : undefined,
    });

interface SecretValues {
  'secret-id': string | undefined;
  reason: string | undefined;
  resume: boolean;
  emergency: boolean;
  'dry-run': boolean;
  wait: string;
  yes: boolean;
  emulator: boolean;
  via: string;
  'rotation-function': string | undefined;
}

/** Secrets Manager of the running emulator when there is one, else of AWS (your credentials). */
async function secretTarget(emulator: boolean, secrets: () => SecretsManagerClient): Promise<LocalStack> {
  if (emulator || emulatorNamed()) return localStack(emulator);
  const region = await regionOf(secrets());
  sayTarget(`Secrets Manager in region ${region} (AWS, your credentials; no emulator is running)`);
  return { stop: async () => undefined };
}

async function secret(sub: string, values: SecretValues): Promise<number> {
  const secretId = values['secret-id'];
  if (!secretId) {
    process.stderr.write('runbook: --secret-id is required\n');
    return 1;
  }
  if (values.via !== 'local' && values.via !== 'lambda') {
    process.stderr.write('runbook: --via must be local or lambda\n');
    return 1;
  }
  if (values.via === 'lambda' && !values['rotation-function']) {
    process.stderr.write('runbook: --via lambda needs --rotation-function NAME\n');
    return 1;
  }
  if (sub === 'rotate' && values.emergency && !values.reason) {
    process.stderr.write('runbook: --emergency needs --reason: say why the key must go now\n');
    return 1;
  }
  const wait = Number(values.wait);
  if (!Number.isInteger(wait) || wait < 0) {
    process.stderr.write('runbook: --wait must be a whole number of seconds\n');
    return 1;
  }
  const mutating = sub !== 'status' && !values['dry-run'];
  if (mutating && !values.yes) {
    if (!process.stdin.isTTY) {
      process.stderr.write(`runbook: stdin is not a terminal: pass --yes to ${sub} without confirmation\n`);
      return 1;
    }
    const question =
      sub === 'rotate'
        ? `Rotate ${secretId} now${values.emergency ? ' and revoke the replaced key at once' : ''}?`
        : `Revoke the AWSPREVIOUS key of ${secretId}${values.emergency ? ' now (emergency)' : ''}?`;
    if (!(await confirm(question))) {
      process.stderr.write('runbook: not confirmed; nothing changed\n');
      return 1;
    }
  }

  let client: SecretsManagerClient | undefined;
  const { state, stop } = await secretTarget(values.emulator, () => {
    client = new SecretsManagerClient({});
    return client;
  });
  // Created after the target: a throwaway emulator sets the environment the client reads.
  client?.destroy();
  const secrets = new SecretsManagerClient({});
  const send = sender(values.via, values['rotation-function'], state);
  try {
    if (sub === 'status') {
      printAnswer({ ok: true, ...(await secretStatus(secrets, secretId)) }, secretStatusSummary);
      return 0;
    }
    const revoke = async (emergency: boolean) =>
      send({
        actor: cliActor(),
        action: 'revokePrevious',
        secretId,
        reason: values.reason ?? '',
        emergency,
        ...(values['dry-run'] ? { dryRun: true } : {}),
      });
    if (sub === 'revoke-previous') {
      const { failed, result } = await revoke(values.emergency);
      printAnswer(result, asJson);
      return failed ? 2 : 0;
    }

    // ---- rotate
    const before = await secretStatus(secrets, secretId);
    let token: string;
    let rotation: { ok: boolean; steps?: unknown[]; waitedSeconds?: number };
    if (values.resume) {
      if (before.rotation.state === 'idle') {
        printAnswer(
          {
            ok: false,
            error: {
              code: 'Conflict',
              message: 'no rotation to resume: no version is AWSPENDING',
              field: 'resume',
            },
          },
          secretRotateSummary,
        );
        return 2;
      }
      token = before.rotation.pendingVersionId;
      rotation = await runSteps(send, before.arn, token);
    } else {
      token = randomUUID();
      const functionArn = state?.resources.SecretRotationFunction?.attributes?.Arn;
      // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html
      await secrets.send(
        new RotateSecretCommand({
          SecretId: secretId,
          ClientRequestToken: token,
          ...(state && functionArn ? { RotationLambdaARN: functionArn } : {}),
        }),
      );
      if (state) {
        // moto staged the version and "invoked" a function it cannot run: play Secrets Manager's part.
        rotation = await runSteps(send, before.arn, token);
      } else {
        const started = Date.now();
        let done = false;
        while (!done && Date.now() - started < wait * 1000) {
          await sleep(2000);
          const stages = (await secrets.send(new DescribeSecretCommand({ SecretId: secretId })))
            .VersionIdsToStages;
          done = stages?.[token]?.includes('AWSCURRENT') ?? false;
        }
        rotation = { ok: done, waitedSeconds: Math.round((Date.now() - started) / 1000) };
      }
    }
    const revoked = rotation.ok && values.emergency ? await revoke(true) : undefined;
    const after = await secretStatus(secrets, secretId);
    const ok = rotation.ok && !(revoked?.failed ?? false);
    printAnswer(
      {
        ...rotation,
        ok,
        secret: after.name,
        versionId: token,
        ...(revoked ? { revokedPrevious: revoked.result } : {}),
        ...(rotation.ok
          ? {}
          : {
              note: 'the rotation did not finish: AWSCURRENT is unchanged. See `runbook secret status` and RUNBOOK.md section 5.',
            }),
        status: { current: after.current, previous: after.previous, rotation: after.rotation },
      },
      secretRotateSummary,
    );
    return ok ? 0 : 2;
  } finally {
    secrets.destroy();
    await stop();
  }
}
