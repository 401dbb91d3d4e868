// `runbook rollback --via lambda`: the operator's remote path invokes the deployed RollbackFunction.
// moto runs no function code, so this is proven with aws-sdk-client-mock: the exact Invoke sent, and the
// exit status for each kind of answer.
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { rollbackCommand } from '../../cli/commands.js';

const lambda = mockClient(LambdaClient);
const args = [
  '--via',
  'lambda',
  '--rollback-function',
  'lambda-runbook-prod-RollbackFunction',
  '--function',
  'trading',
  '--to-version',
  '7',
  '--reason',
  'v8 fails every order',
  '--yes',
];
const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)) as never;

describe('runbook rollback --via lambda', () => {
  beforeEach(() => {
    lambda.reset();
    // The answer is printed on stdout; keep the test output readable.
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });

  it('invokes the rollback function with the request and who asked, and exits 0 on ok:true', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ ok: true, changed: true }) });

    // Act
    const code = await rollbackCommand(args);

    // Assess
    expect(code).toBe(0);
    const sent = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(sent?.FunctionName).toBe('lambda-runbook-prod-RollbackFunction');
    expect(JSON.parse(Buffer.from(sent?.Payload as Uint8Array).toString('utf8'))).toEqual({
      actor: expect.stringMatching(/^cli:.+@.+$/),
      functionName: 'trading',
      toVersion: '7',
      reason: 'v8 fails every order',
    });
  });

  it('exits 2 when the function refuses the request', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: payload({
        ok: false,
        error: { code: 'ValidationError', message: 'toVersion: …', field: 'toVersion' },
      }),
    });

    expect(await rollbackCommand(args)).toBe(2);
  });

  it('exits 1 when the function itself failed', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: payload({ errorType: 'Error', errorMessage: 'boom' }),
    });

    expect(await rollbackCommand(args)).toBe(1);
  });

  it('exits 1 and says nothing ran when the answer is the request echoed back (moto runs no function code)', async () => {
    // Prepare: what moto's Lambda answers an Invoke with
    lambda.on(InvokeCommand).callsFake((input) => ({ StatusCode: 200, Payload: input.Payload }));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);

    // Act
    const code = await rollbackCommand(args);

    // Assess
    expect(code).toBe(1);
    expect(stderr.mock.calls.map((call) => String(call[0])).join('')).toContain(
      'runbook: lambda-runbook-prod-RollbackFunction answered the request back unchanged: nothing ran it',
    );
  });

  it('refuses --via lambda without --rollback-function, invoking nothing', async () => {
    const code = await rollbackCommand(args.filter((_arg, i) => i !== 2 && i !== 3));

    expect(code).toBe(1);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });
});
