// runbook secret status|rotate|revoke-previous --secret-id ID …
// Status reads DescribeSecret (and the versions' dates) and never a value. Rotate calls RotateSecret; on the
// emulator, whose Lambda runs no code, the CLI then plays Secrets Manager's part and runs the four steps
// through the real handler in-process. Revoke-previous sends the SecretRotationFunction's operator request through
// cli/transport.ts: in-process, by Lambda Invoke, or signed to the ops API (POST /secret/revoke-previous), where
// an emergency revocation may be held for approval (issue 18) — and the CLI then says the key is NOT revoked.
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
import { regionInArn } from '../shared/arn.js';
import { type LocalStack, localStack } from './local-stack.js';
import type { Opts } from './opts.js';
import { printAnswer, withStdoutOnStderr } from './output.js';
import { cliActor, confirm } from './prompt.js';
import { heldSummary, revokedSummary, secretRotateSummary, secretStatusSummary } from './render.js';
import { emulatorNamed, regionOf, sayTarget } from './target.js';
import {
  type Channel,
  openChannel,
  report,
  type SendDeps,
  type Transport,
  transportOrExplain,
} from './transport.js';
import { bySchema, refuseWithoutTerminal } from './without-terminal.js';

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
function sender(transport: Transport, state: EmulatorState | undefined): Sender {
  if (transport.via === 'lambda') {
    const functionName = transport.functionName;
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
  (opts: Opts, deps: SendDeps = {}): Promise<number> => {
    // Status reads Secrets Manager itself; rotate and revoke-previous reach the function (cli/transport.ts).
    const transport =
      sub === 'status'
        ? ({ via: 'local', emulator: opts.emulator === true } as const)
        : transportOrExplain(opts, 'rotation-function');
    if (!transport) return Promise.resolve(1);
    return secret(
      sub,
      {
        'secret-id': typeof opts.secretId === 'string' ? opts.secretId : undefined,
        reason: typeof opts.reason === 'string' ? opts.reason : undefined,
        resume: opts.resume === true,
        emergency: opts.emergency === true,
        'dry-run': opts.dryRun === true,
        wait: String(opts.wait ?? '90'),
        yes: opts.yes === true,
        'break-glass': typeof opts.breakGlass === 'string' ? opts.breakGlass : undefined,
      },
      transport,
      deps,
    );
  };

interface SecretValues {
  'secret-id': string | undefined;
  reason: string | undefined;
  resume: boolean;
  emergency: boolean;
  'dry-run': boolean;
  wait: string;
  yes: boolean;
  'break-glass': string | undefined;
}

/**
 * Secrets Manager of the running emulator when there is one, else of AWS (your credentials); always AWS when
 * the function is reached on AWS (--stack, --api-url, --via lambda).
 */
async function secretTarget(transport: Transport): Promise<LocalStack> {
  const local = transport.via === 'local';
  const emulator = local && transport.emulator;
  if (local && (emulator || emulatorNamed())) return localStack(emulator);
  // A client of its own, only to say the region: the commands' clients are made once the target is set.
  const secrets = new SecretsManagerClient({});
  try {
    sayTarget(
      `Secrets Manager in region ${await regionOf(secrets)} (AWS, your credentials; no emulator is running)`,
    );
  } finally {
    secrets.destroy();
  }
  return { stop: async () => undefined };
}

async function secret(
  sub: string,
  values: SecretValues,
  transport: Transport,
  deps: SendDeps,
): Promise<number> {
  const secretId = values['secret-id'];
  if (!secretId) {
    process.stderr.write('runbook: --secret-id is required\n');
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
  // A rotation asks once its stages are read, with the versions that would move (below).
  const ask = mutating && !values.yes;
  const revokeRequest = (emergency: boolean) => ({
    actor: cliActor(),
    action: 'revokePrevious',
    secretId,
    reason: values.reason ?? '',
    emergency,
    ...(values['dry-run'] ? { dryRun: true } : {}),
    ...(values['break-glass'] ? { breakGlass: { reason: values['break-glass'] } } : {}),
  });
  if (ask && !process.stdin.isTTY) {
    const message = `stdin is not a terminal: pass --yes to ${sub} without confirmation`;
    if (sub !== 'revoke-previous') {
      process.stderr.write(`runbook: ${message}\n`);
      return 1;
    }
    return refuseWithoutTerminal(
      message,
      revokeRequest(values.emergency),
      bySchema(
        async () => (await import('../functions/secret-rotation/schema.js')).revokePreviousRequestSchema,
      ),
      revokeSummary,
    );
  }
  if (sub === 'revoke-previous') {
    // The function reads and decides (and may hold it for approval). A person asked to confirm is first told
    // which version's key goes: the stages only, read where the function acts (the same emulator, or AWS).
    let stack: LocalStack | undefined;
    try {
      if (ask) {
        stack = await secretTarget(transport);
        if (!(await confirm(await revokeQuestion(secretId, values.emergency)))) {
          process.stderr.write('runbook: not confirmed; nothing changed\n');
          return 1;
        }
      }
      // openChannel acts on the stack read above (a remote transport has none to reuse, and ignores it).
      const channel = await openChannel(transport, deps, stack);
      try {
        const outcome = await channel.send(revokeAction(revokeRequest(values.emergency)));
        sayIfHeld(outcome.result);
        return report(outcome, revokeSummary);
      } finally {
        await channel.close();
      }
    } finally {
      await stack?.stop();
    }
  }

  const stack = await secretTarget(transport);
  const { state, stop } = stack;
  // Created after the target: a throwaway emulator sets the environment the client reads.
  const secrets = new SecretsManagerClient({});
  const send = sender(transport, state);
  let channel: Channel | undefined;
  try {
    if (sub === 'status') {
      printAnswer({ ok: true, ...(await secretStatus(secrets, secretId)) }, secretStatusSummary);
      return 0;
    }
    const revoke = async () => {
      channel = await openChannel(transport, deps, stack);
      const outcome = await channel.send(revokeAction(revokeRequest(true)));
      if (outcome.refused) process.stderr.write(`runbook: ${outcome.refused}\n`);
      return { failed: outcome.exitCode !== 0, result: outcome.result };
    };

    // ---- rotate
    const before = await secretStatus(secrets, secretId);
    const plan = rotationPlan(before, {
      resume: values.resume,
      emergency: values.emergency,
      functionArn: state?.resources.SecretRotationFunction?.attributes?.Arn ?? before.rotationFunction,
      emulator: state !== undefined,
    });
    // Refused as Secrets Manager would refuse it: said before anyone is asked to confirm.
    if (values['dry-run'] || (ask && !plan.ok)) {
      printAnswer(plan, secretRotateSummary);
      return plan.ok ? 0 : 2;
    }
    if (ask && plan.ok && !(await confirm(rotateQuestion(plan)))) {
      process.stderr.write('runbook: not confirmed; nothing changed\n');
      return 1;
    }
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
    const revoked = rotation.ok && values.emergency ? await revoke() : undefined;
    const held = revoked && isHeld(revoked.result) ? revoked.result : undefined;
    if (held) sayIfHeld(held);
    const after = await secretStatus(secrets, secretId);
    const ok = rotation.ok && !(revoked?.failed ?? false);
    printAnswer(
      {
        ...rotation,
        ok,
        secret: after.name,
        versionId: token,
        ...(revoked ? { revokedPrevious: revoked.result } : {}),
        ...(held
          ? {
              previousKeyRevoked: false,
              note: `${notRevoked(held)}; approve: ${held.approve}`,
            }
          : revoked?.failed
            ? {
                previousKeyRevoked: false,
                note: 'the rotation finished, but the replaced key is NOT revoked: see revokedPrevious.error',
              }
            : {}),
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
  } catch (error) {
    throw await elsewhere(error, secretId, secrets);
  } finally {
    secrets.destroy();
    await (channel as Channel | undefined)?.close();
    await stop();
  }
}

/**
 * A secret Secrets Manager cannot find, given by an ARN of another region than the one asked (a secret's ARN
 * is regional): said, with what to set, rather than only "can't find the specified secret".
 */
async function elsewhere(error: unknown, secretId: string, secrets: SecretsManagerClient): Promise<unknown> {
  if (!(error instanceof Error) || error.name !== 'ResourceNotFoundException') return error;
  const named = regionInArn(secretId);
  const asked = await secrets.config.region().catch(() => undefined);
  if (!named || !asked || named === asked) return error;
  return new Error(
    `${error.message} --secret-id is an ARN of region ${named}, and this read region ${asked}: set AWS_REGION=${named} (or give the secret's name)`,
  );
}

/**
 * `secret rotate --dry-run`: what a rotation now would do, read from the secret's stages, or why it would fail
 * (a rotation already pending without --resume, none pending with it, no rotation function). Reads only.
 */
export function rotationPlan(
  before: Awaited<ReturnType<typeof secretStatus>>,
  options: { resume: boolean; emergency: boolean; functionArn: string | null | undefined; emulator: boolean },
) {
  const refuse = (code: string, message: string, field: string) => ({
    ok: false as const,
    dryRun: true,
    secret: before.name,
    error: { code, message, field },
  });
  const pending = before.rotation.state === 'idle' ? undefined : before.rotation.pendingVersionId;
  if (options.resume && !pending)
    return refuse('Conflict', 'no rotation to resume: no version is AWSPENDING', 'resume');
  // Secrets Manager refuses a new rotation while another one's AWSPENDING version is not AWSCURRENT; moto does
  // not, so on the emulator the rotation would go ahead (as `runbook secret rotate` does there), said as a warning.
  const already = pending
    ? `a rotation is already ${before.rotation.state} (version ${pending} is AWSPENDING): Secrets Manager refuses a new one until it is finished (--resume)`
    : undefined;
  if (!options.resume && already && !options.emulator) return refuse('Conflict', already, 'resume');
  if (!options.functionArn)
    return refuse(
      'Conflict',
      'the secret has no rotation function (RotationLambdaARN): Secrets Manager would refuse to rotate it',
      'secretId',
    );
  return {
    ok: true as const,
    dryRun: true,
    secret: before.name,
    arn: before.arn,
    wouldDo: options.resume ? ('resume' as const) : ('rotate' as const),
    version: options.resume ? pending : 'a new version',
    steps: [...STEPS],
    rotationFunction: options.functionArn,
    stagesAfter: {
      AWSCURRENT: options.resume ? pending : 'the new version',
      AWSPREVIOUS: before.current,
    },
    revokesPrevious: options.emergency ? before.current : null,
    ...(!options.resume && already ? { warning: `${already}; the emulator (moto) does not refuse it` } : {}),
    note: 'dry run: nothing changed',
  };
}

/**
 * The question before a revocation: the version whose key goes, from the stages (never a value). Where the
 * stages cannot be read (no permission to DescribeSecret, say), the question names the stage only.
 */
async function revokeQuestion(secretId: string, emergency: boolean): Promise<string> {
  const when = emergency ? ' now (emergency)' : '';
  const secrets = new SecretsManagerClient({});
  try {
    const { previous, current } = await secretStatus(secrets, secretId);
    if (!previous) return `Revoke the AWSPREVIOUS key of ${secretId}${when}? No version is AWSPREVIOUS now.`;
    return `Revoke the key of ${secretId} version ${previous} (AWSPREVIOUS; ${current ?? 'none'} stays AWSCURRENT)${when}? Whoever still uses it is refused from then on.`;
  } catch {
    return `Revoke the AWSPREVIOUS key of ${secretId}${when}?`;
  } finally {
    secrets.destroy();
  }
}

/** The question before a rotation: which versions move, through which function, and what is revoked. */
export function rotateQuestion(plan: Extract<ReturnType<typeof rotationPlan>, { ok: true }>): string {
  const previous = plan.stagesAfter.AWSPREVIOUS;
  const what =
    plan.wouldDo === 'resume'
      ? `Finish the rotation of ${plan.secret}: version ${plan.version} becomes AWSCURRENT`
      : `Rotate ${plan.secret} now: a new version becomes AWSCURRENT`;
  const replaced = previous
    ? plan.revokesPrevious
      ? `, ${previous} becomes AWSPREVIOUS and its key is revoked at once`
      : `, ${previous} becomes AWSPREVIOUS (its key stays valid until revoked)`
    : '';
  const arn = String(plan.rotationFunction);
  const fn = /:function:([^:]+)/.exec(arn)?.[1] ?? arn;
  return `${what}${replaced}; by ${fn}${plan.warning ? ` (warning: ${plan.warning})` : ''}?`;
}

/** The revocation as the SecretRotationFunction takes it: its direct request, or its API route. */
function revokeAction(request: Record<string, unknown>) {
  // Through the API the route says the action; the body carries the rest (never an actor: the signature is).
  const { action: _action, ...apiBody } = request;
  return {
    logicalId: 'SecretRotationFunction',
    route: { method: 'POST', path: '/secret/revoke-previous' } as const,
    request,
    apiBody,
  };
}

type HeldAnswer = Record<string, unknown> & { approvalId: string; approve: string };

const isHeld = (answer: unknown): answer is HeldAnswer =>
  typeof answer === 'object' && answer !== null && (answer as { held?: unknown }).held === true;

const notRevoked = (held: HeldAnswer) =>
  `the replaced key${held.before && typeof held.before === 'object' && 'apiKeyId' in held.before ? ` ${String(held.before.apiKeyId)}` : ''} is NOT yet revoked and still works: its revocation waits for approval ${held.approvalId} (${String(held.required)} other principal(s), by ${String(held.expiresAt)})`;

/**
 * Said on stderr whatever the output mode: a held revocation must never read as a done one. Its approve command
 * already names the door it was asked through (cli/transport.ts heldThrough).
 */
function sayIfHeld(answer: unknown): void {
  if (!isHeld(answer)) return;
  process.stderr.write(`runbook: ${notRevoked(answer)}\nrunbook: approve: ${answer.approve}\n`);
}

/** The answer of revoke-previous for a person. */
function revokeSummary(answer: unknown): string {
  const body = (answer ?? {}) as Record<string, unknown>;
  if (isHeld(body)) return `${heldSummary(body)}\n${notRevoked(body)}.`;
  return revokedSummary(body);
}
