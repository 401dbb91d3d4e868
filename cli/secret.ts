// runbook secret status|rotate|revoke-previous --secret-id ID …
// Status reads DescribeSecret (and the versions' dates) and never a value. Rotate calls RotateSecret; on the
// emulator, whose Lambda runs no code, the CLI then plays Secrets Manager's part and runs the four steps
// through the real handler in-process. Revoke-previous sends the SecretRotationFunction's operator request.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeSecretCommand,
  ListSecretVersionIdsCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { EmulatorState } from '../local/emulator/provision.js';
import { invokeFunction, isFailure } from '../local/invoke.js';
import { localStack } from './local-stack.js';
import { printJson, withStdoutOnStderr } from './output.js';
import { cliActor, confirm } from './prompt.js';

export const usage = `usage: runbook secret status --secret-id ID [--emulator]
       runbook secret rotate --secret-id ID [--resume] [--emergency --reason TEXT] [--wait SECONDS] [--yes]
                             [--emulator] [--via local|lambda --rotation-function NAME]
       runbook secret revoke-previous --secret-id ID --reason TEXT [--emergency] [--dry-run] [--yes]
                             [--emulator] [--via local|lambda --rotation-function NAME]

  status            stages of every version, last and next rotation, a rotation in progress or stuck — never a value
  rotate            start a rotation now (RotateSecret). On the emulator the four steps run here, in-process.
    --resume        finish the rotation stuck on its AWSPENDING version (its key is reused, not orphaned)
    --emergency     the current key leaked: once rotated, revoke the replaced key at once (needs --reason)
    --wait N        on AWS, wait up to N seconds (default 90) for Secrets Manager to finish
  revoke-previous   revoke the key on AWSPREVIOUS; refused inside the grace period unless --emergency
  --via lambda      send steps and operator requests to the deployed SecretRotationFunction (--rotation-function)
Exit status: 0 done, 2 refused or failed (the answer says why), 1 could not run.`;

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

export async function secretCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      'secret-id': { type: 'string' },
      reason: { type: 'string' },
      resume: { type: 'boolean', default: false },
      emergency: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      wait: { type: 'string', default: '90' },
      yes: { type: 'boolean', short: 'y', default: false },
      emulator: { type: 'boolean', default: false },
      via: { type: 'string', default: 'local' },
      'rotation-function': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !sub || !['status', 'rotate', 'revoke-previous'].includes(sub)) {
    (values.help ? process.stdout : process.stderr).write(`${usage}\n`);
    return values.help ? 0 : 1;
  }
  const secretId = values['secret-id'];
  if (!secretId) {
    process.stderr.write(`runbook: --secret-id is required\n${usage}\n`);
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

  const { state, stop } = await localStack(values.emulator);
  const secrets = new SecretsManagerClient({});
  const send = sender(values.via, values['rotation-function'], state);
  try {
    if (sub === 'status') {
      printJson({ ok: true, ...(await secretStatus(secrets, secretId)) });
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
      printJson(result);
      return failed ? 2 : 0;
    }

    // ---- rotate
    const before = await secretStatus(secrets, secretId);
    let token: string;
    let rotation: { ok: boolean; steps?: unknown[]; waitedSeconds?: number };
    if (values.resume) {
      if (before.rotation.state === 'idle') {
        printJson({
          ok: false,
          error: {
            code: 'Conflict',
            message: 'no rotation to resume: no version is AWSPENDING',
            field: 'resume',
          },
        });
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
    printJson({
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
    });
    return ok ? 0 : 2;
  } finally {
    secrets.destroy();
    await stop();
  }
}
