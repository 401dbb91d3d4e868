import { describe, expect, it } from 'vitest';
import { NoTargetError } from '../../functions/rollback/choose.js';
import { ProviderError } from '../../functions/secret-rotation/providers.js';
import { RotationStepError } from '../../functions/secret-rotation/step-error.js';
import {
  ConfigurationError,
  ConflictError,
  DependencyError,
  describe as describeFailure,
  ForbiddenError,
  isAwsError,
  MethodNotAllowedError,
  NotFoundError,
  publicError,
  RunbookError,
  SettingError,
  ValidationError,
} from '../../shared/errors.js';
import { ReportError } from '../../shared/lifecycle-hook.js';

describe('RunbookError and its subclasses', () => {
  const kinds = [
    {
      error: new ValidationError('toVersion: expected a number', 'toVersion'),
      name: 'ValidationError',
      statusCode: 400,
      code: 'ValidationError',
      expose: true,
    },
    {
      error: new ForbiddenError('not allowed to act on trading'),
      name: 'ForbiddenError',
      statusCode: 403,
      code: 'Forbidden',
      expose: true,
    },
    {
      error: new NotFoundError('no version 99', 'toVersion'),
      name: 'NotFoundError',
      statusCode: 404,
      code: 'NotFound',
      expose: true,
    },
    {
      error: new MethodNotAllowedError('POST', '/health', ['GET']),
      name: 'MethodNotAllowedError',
      statusCode: 405,
      code: 'MethodNotAllowed',
      expose: true,
    },
    {
      error: new ConflictError('alias moved meanwhile', 'alias'),
      name: 'ConflictError',
      statusCode: 409,
      code: 'Conflict',
      expose: true,
    },
    {
      error: new ConfigurationError('environment variable X is not set'),
      name: 'ConfigurationError',
      statusCode: 500,
      code: 'ConfigurationError',
      expose: false,
    },
  ];

  it.each(kinds)(
    'makes $name a $statusCode RunbookError coded $code, exposed: $expose',
    ({ error, name, statusCode, code, expose }) => {
      // Assess
      expect(error).toBeInstanceOf(RunbookError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(name);
      expect(error.statusCode).toBe(statusCode);
      expect(error.code).toBe(code);
      expect(error.expose).toBe(expose);
    },
  );

  it('keeps the cause it was given, and has none when given none', () => {
    // Prepare
    const cause = new SyntaxError('Unexpected token } in JSON');

    // Act
    const withCause = new ValidationError('request body is not valid JSON', 'body', cause);
    const withoutCause = new ValidationError('request body is not valid JSON', 'body');

    // Assess
    expect(withCause.cause).toBe(cause);
    expect('cause' in withoutCause).toBe(false);
  });

  it('names the field in its body only when there is one', () => {
    expect(new ValidationError('toVersion: required', 'toVersion').toBody()).toEqual({
      code: 'ValidationError',
      message: 'toVersion: required',
      field: 'toVersion',
    });
    expect(new ValidationError('event must be a JSON object').toBody()).toStrictEqual({
      code: 'ValidationError',
      message: 'event must be a JSON object',
    });
  });

  it('tells which methods a path allows', () => {
    // Act
    const error = new MethodNotAllowedError('DELETE', '/health/metadata', ['GET', 'HEAD']);

    // Assess
    expect(error.allow).toEqual(['GET', 'HEAD']);
    expect(error.message).toBe('DELETE is not allowed on /health/metadata; use GET, HEAD');
  });
});

describe('publicError', () => {
  it('shows a client mistake as it is, with its status and field', () => {
    // Act
    const answer = publicError(new NotFoundError('no version 99 of trading', 'toVersion'));

    // Assess
    expect(answer).toEqual({
      statusCode: 404,
      body: { code: 'NotFound', message: 'no version 99 of trading', field: 'toVersion' },
    });
  });

  const internals: Array<{ case: string; error: unknown }> = [
    {
      case: 'a 5xx RunbookError',
      error: new ConfigurationError('AUDIT_TABLE=runbook-audit-secret-name is wrong'),
    },
    { case: 'a plain Error', error: new Error('connect ECONNREFUSED 10.0.3.17:5432 password=hunter2') },
    {
      case: 'an SDK error',
      error: Object.assign(new Error('User: arn:aws:iam::123456789012:role/x is not authorized'), {
        name: 'AccessDeniedException',
      }),
    },
    { case: 'a thrown string', error: 'runbook-audit-secret-name' },
    { case: 'undefined', error: undefined },
  ];

  it.each(internals)('answers $case with a generic 500 that reveals nothing of it', ({ error }) => {
    // Act
    const answer = publicError(error);

    // Assess
    expect(answer).toEqual({
      statusCode: 500,
      body: { code: 'InternalError', message: 'internal error; the details are in the function log' },
    });
    const text = JSON.stringify(answer);
    expect(text).not.toMatch(/secret-name|hunter2|ECONNREFUSED|not authorized|AccessDenied/);
  });
});

describe('SettingError', () => {
  it('is a 500 shown to the caller, naming the setting and every field at fault', () => {
    // Act
    const error = new SettingError('FREEZE_WINDOWS', [
      { field: 'FREEZE_WINDOWS[1].end', message: 'the window has no end' },
      { field: 'FREEZE_WINDOWS[3].zone', message: 'unknown time zone "Mars/Olympus"' },
    ]);

    // Assess
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(publicError(error)).toEqual({
      statusCode: 500,
      body: {
        code: 'ConfigurationError',
        message:
          'FREEZE_WINDOWS[1].end: the window has no end; FREEZE_WINDOWS[3].zone: unknown time zone "Mars/Olympus"',
        field: 'FREEZE_WINDOWS[1].end',
        fields: ['FREEZE_WINDOWS[1].end', 'FREEZE_WINDOWS[3].zone'],
      },
    });
  });
});

describe('isAwsError', () => {
  const conditional = Object.assign(new Error('The conditional request failed'), {
    name: 'ConditionalCheckFailedException',
  });

  it('recognises a modelled exception by any of the names given', () => {
    expect(isAwsError(conditional, 'ResourceNotFoundException', 'ConditionalCheckFailedException')).toBe(
      true,
    );
  });

  it.each([
    { case: 'another exception', error: conditional, names: ['ResourceNotFoundException'] },
    {
      case: 'a plain object with that name',
      error: { name: 'ConditionalCheckFailedException' },
      names: ['ConditionalCheckFailedException'],
    },
    {
      case: 'a string',
      error: 'ConditionalCheckFailedException',
      names: ['ConditionalCheckFailedException'],
    },
    { case: 'no names at all', error: conditional, names: [] },
  ])('does not recognise $case', ({ error, names }) => {
    expect(isAwsError(error, ...names)).toBe(false);
  });
});

// Moved from test/unit/budget.test.ts with describe() itself (issue 14).
describe('describe (a failure, for an operator)', () => {
  it('leaves out the generic name of a plain Error', () => {
    expect(describeFailure(new Error('socket hang up'))).toBe('socket hang up');
  });

  it('describes a thrown value that is not an Error', () => {
    expect(describeFailure('throttled')).toBe('throttled');
    expect(describeFailure(42)).toBe('42');
  });

  it('masks secrets that an error message carries', () => {
    // Act
    const text = describeFailure(new Error('The security token AKIAIOSFODNN7EXAMPLE is invalid'));

    // Assess
    expect(text).toBe('The security token [REDACTED] is invalid');
  });

  it('keeps it short', () => {
    // Act
    const text = describeFailure(new Error('x'.repeat(5000)));

    // Assess
    expect(text).toHaveLength(300);
  });
});

describe('DependencyError', () => {
  it('is a 502 never shown to the caller; its subclasses keep their codes', () => {
    // Prepare
    const cause = new Error('throttled');

    // Act
    const error = new DependencyError('CodeDeploy StopDeployment d-1 failed', cause);
    const report = new ReportError('PutLifecycleEventHookExecutionStatus failed', cause);
    const provider = new ProviderError('revoke the key k-1: /keys answered 503', cause);

    // Assess
    expect(error).toMatchObject({ statusCode: 502, code: 'DependencyFailed', expose: false, cause });
    expect(publicError(error).statusCode).toBe(500);
    expect(report).toBeInstanceOf(DependencyError);
    expect(report).toMatchObject({ statusCode: 502, code: 'ReportFailed', name: 'ReportError' });
    expect(provider).toBeInstanceOf(DependencyError);
    expect(provider).toMatchObject({ statusCode: 502, code: 'ProviderFailed', expose: true });
  });

  it('is the base of the errors that were plain Errors: NoTargetError and RotationStepError', () => {
    // Act
    const noTarget = new NoTargetError('no published version below 1', 'toVersion');
    const step = new RotationStepError('setSecret', { code: 'Conflict', message: 'not AWSPENDING' });

    // Assess
    expect(noTarget).toBeInstanceOf(RunbookError);
    expect(publicError(noTarget)).toEqual({
      statusCode: 404,
      body: { code: 'NotFound', message: 'no published version below 1', field: 'toVersion' },
    });
    expect(step).toBeInstanceOf(RunbookError);
    expect(step).toMatchObject({
      name: 'RotationStepError',
      message: 'setSecret failed: Conflict: not AWSPENDING',
    });
  });
});
