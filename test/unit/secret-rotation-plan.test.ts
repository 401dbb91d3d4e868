// `runbook secret rotate --dry-run` (cli/secret.ts rotationPlan): what a rotation would do to which versions, or
// why Secrets Manager would refuse it, from the secret's status alone.
import { describe, expect, it } from 'vitest';
import { rotateQuestion, rotationPlan, type secretStatus } from '../../cli/secret.js';

type Status = Awaited<ReturnType<typeof secretStatus>>;
const FUNCTION = 'arn:aws:lambda:eu-west-1:111122223333:function:rotator';

const status = (rotation: Status['rotation']): Status => ({
  name: 'prices-api-key',
  arn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:prices-api-key-AbCdEf',
  rotationEnabled: true,
  rotationFunction: FUNCTION,
  rotationRules: { AutomaticallyAfterDays: 30 },
  lastRotatedDate: null,
  nextRotationDate: null,
  lastChangedDate: null,
  current: 'v-current',
  previous: 'v-previous',
  versions: [],
  rotation,
});
const idle = status({ state: 'idle' } as Status['rotation']);
const pending = status({ state: 'stuck', pendingVersionId: 'v-pending' } as Status['rotation']);
const options = { resume: false, emergency: false, functionArn: FUNCTION, emulator: false };

describe('secret rotate --dry-run', () => {
  it('plans a new version through the four steps, the current key becoming the previous one', () => {
    // Act
    const plan = rotationPlan(idle, { ...options, emergency: true });

    // Assess
    expect(plan).toEqual({
      ok: true,
      dryRun: true,
      secret: 'prices-api-key',
      arn: idle.arn,
      wouldDo: 'rotate',
      version: 'a new version',
      steps: ['createSecret', 'setSecret', 'testSecret', 'finishSecret'],
      rotationFunction: FUNCTION,
      stagesAfter: { AWSCURRENT: 'the new version', AWSPREVIOUS: 'v-current' },
      revokesPrevious: 'v-current',
      note: 'dry run: nothing changed',
    });
  });

  it('plans finishing the pending version with --resume, and refuses --resume when nothing is pending', () => {
    // Act
    const resume = rotationPlan(pending, { ...options, resume: true });
    const nothing = rotationPlan(idle, { ...options, resume: true });

    // Assess
    expect(resume).toMatchObject({
      ok: true,
      wouldDo: 'resume',
      version: 'v-pending',
      revokesPrevious: null,
    });
    expect(resume).toMatchObject({ stagesAfter: { AWSCURRENT: 'v-pending', AWSPREVIOUS: 'v-current' } });
    expect(nothing).toMatchObject({ ok: false, error: { code: 'Conflict', field: 'resume' } });
  });

  it('refuses a new rotation beside a pending one on AWS, and warns of it on the emulator, where moto allows it', () => {
    // Act
    const aws = rotationPlan(pending, options);
    const emulator = rotationPlan(pending, { ...options, emulator: true });

    // Assess
    expect(aws).toMatchObject({
      ok: false,
      error: {
        code: 'Conflict',
        field: 'resume',
        message: expect.stringContaining('v-pending is AWSPENDING'),
      },
    });
    expect(emulator).toMatchObject({
      ok: true,
      wouldDo: 'rotate',
      warning: expect.stringContaining('the emulator (moto) does not refuse it'),
    });
  });

  it('refuses a secret with no rotation function, as Secrets Manager would', () => {
    // Act
    const plan = rotationPlan(idle, { ...options, functionArn: null });

    // Assess
    expect(plan).toMatchObject({ ok: false, error: { code: 'Conflict', field: 'secretId' } });
  });
});

describe('secret rotate on a terminal: the question', () => {
  const asked = (plan: ReturnType<typeof rotationPlan>) => {
    if (!plan.ok) throw new Error('expected a plan');
    return rotateQuestion(plan);
  };

  it('names the versions that move and the function that moves them', () => {
    expect(asked(rotationPlan(idle, options))).toBe(
      'Rotate prices-api-key now: a new version becomes AWSCURRENT, v-current becomes AWSPREVIOUS (its key stays valid until revoked); by rotator?',
    );
  });

  it('says the replaced key is revoked at once with --emergency, and which version --resume finishes', () => {
    expect(asked(rotationPlan(pending, { ...options, resume: true, emergency: true }))).toBe(
      'Finish the rotation of prices-api-key: version v-pending becomes AWSCURRENT, v-current becomes AWSPREVIOUS and its key is revoked at once; by rotator?',
    );
  });

  it('names the function of a qualified ARN by its name, and carries the emulator’s warning', () => {
    const question = asked(
      rotationPlan(pending, { ...options, functionArn: `${FUNCTION}:live`, emulator: true }),
    );
    expect(question).toMatch(/; by rotator \(warning: a rotation is already stuck \(version v-pending/);
  });
});
