// Acting in a member account of moto through AssumeRole (issue 16, point 5). moto serves every account at
// once and routes a request by its access key: credentials from AssumeRole on a role of account 222222222222
// act there. The AssumeRole request itself, its sharing and renewal are in test/unit/fleet-accounts.test.ts.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  LambdaClient,
  ListFunctionsCommand,
} from '@aws-sdk/client-lambda';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  adminCredentials,
  ensureRole,
  MEMBER_ROLE_NAME,
  memberTrustPolicy,
  prepareMemberAccount,
  RUNBOOK_ACCOUNT,
} from '../../local/fleet/accounts.js';
import { ValidationError } from '../../shared/errors.js';
import {
  AccountAccessError,
  accountClients,
  resetAccountClients,
  stsClient,
} from '../../shared/fleet/accounts.js';
import type { WatchList } from '../../shared/fleet/workload.js';
import { uniqueName } from '../support/names.js';

const MEMBER = '222222222222';
const LAMBDA_TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

/** Answers every request as STS refusing AssumeRole, and records what it received. */
async function startRefusingSts(): Promise<{ server: Server; url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      requests.push(body);
      response.writeHead(403, { 'content-type': 'text/xml' });
      response.end(
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>' +
          '<Code>AccessDenied</Code><Message>not authorized to perform: sts:AssumeRole</Message></Error>' +
          '<RequestId>refused</RequestId></ErrorResponse>',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, requests };
}

describe('accountClients against moto', { timeout: 30_000 }, () => {
  let watchList: WatchList;
  let functionName: string;

  beforeAll(async () => {
    // Prepare: the member role, as the member template creates it, and a function that lives only in the
    // member account, created by its administrator.
    const member = await prepareMemberAccount(MEMBER, { name: 'prod-eu' });
    watchList = { workloads: [], accounts: { [MEMBER]: member } };
    const admin = await adminCredentials(MEMBER);
    const role = await ensureRole(admin, 'lambda-runbook-local', LAMBDA_TRUST);
    functionName = uniqueName('fleet-member');
    const lambda = new LambdaClient({ credentials: admin });
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: functionName,
        Role: role,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Code: { ZipFile: Buffer.from('fake') },
      }),
    );
    lambda.destroy();
  });

  afterEach(() => {
    resetAccountClients();
  });

  afterAll(() => {
    resetAccountClients();
  });

  it('prepares the member role in the member account, trusting the runbook account', async () => {
    // Act
    const member = watchList.accounts[MEMBER];
    const again = await prepareMemberAccount(MEMBER, { name: 'prod-eu' });

    // Assess
    expect(member).toEqual({
      id: MEMBER,
      name: 'prod-eu',
      roleArn: `arn:aws:iam::${MEMBER}:role/${MEMBER_ROLE_NAME}`,
    });
    expect(again).toEqual(member);
    expect(memberTrustPolicy()).toMatchObject({
      Statement: [{ Principal: { AWS: `arn:aws:iam::${RUNBOOK_ACCOUNT}:root` }, Action: 'sts:AssumeRole' }],
    });
  });

  it('acts in the member account: its Lambda client sees the function there, the home client does not', async () => {
    // Act
    const member = accountClients(watchList, MEMBER);
    const home = accountClients(watchList, undefined);
    const found = await member.lambda.send(new GetFunctionCommand({ FunctionName: functionName }));
    const homeLookup = home.lambda.send(new GetFunctionCommand({ FunctionName: functionName }));

    // Assess
    expect(found.Configuration?.FunctionArn).toBe(
      `arn:aws:lambda:us-east-1:${MEMBER}:function:${functionName}`,
    );
    await expect(homeLookup).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('signs with credentials of the member role, in a session named for the runbook', async () => {
    // Prepare
    const { lambda } = accountClients(watchList, MEMBER);
    const sts = new STSClient({ credentials: lambda.config.credentials });

    // Act
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    sts.destroy();

    // Assess
    expect(identity.Account).toBe(MEMBER);
    expect(identity.Arn).toMatch(
      new RegExp(`^arn:aws:sts::${MEMBER}:assumed-role/${MEMBER_ROLE_NAME}/lambda-runbook-[0-9a-f]{8}$`),
    );
  });

  it('builds the clients of an account once per container', () => {
    // Act
    const first = accountClients(watchList, MEMBER);
    const second = accountClients(watchList, MEMBER);

    // Assess
    expect(second.lambda).toBe(first.lambda);
    expect(second.sqs).toBe(first.sqs);
  });

  it('refuses an account not in the watch list before any request, and reports a refused role by name', async () => {
    // Prepare: every STS request goes to a loopback recorder that refuses it.
    const refusing = await startRefusingSts();
    stsClient.reset(new STSClient({ endpoint: refusing.url }));

    try {
      // Act
      const unknown = (() => {
        try {
          return accountClients(watchList, '333333333333');
        } catch (error) {
          return error;
        }
      })();
      const requestsAfterRefusal = refusing.requests.length;
      const listed = accountClients(watchList, MEMBER).lambda.send(new ListFunctionsCommand({}));

      // Assess
      expect(unknown).toBeInstanceOf(ValidationError);
      expect(unknown).toMatchObject({ field: 'account' });
      expect(requestsAfterRefusal).toBe(0);
      await expect(listed).rejects.toBeInstanceOf(AccountAccessError);
      await expect(listed).rejects.toThrow(
        `cannot act in account ${MEMBER}: assuming arn:aws:iam::${MEMBER}:role/${MEMBER_ROLE_NAME} was refused (AccessDenied)`,
      );
      expect(refusing.requests).toHaveLength(1);
      expect(refusing.requests[0]).toContain('Action=AssumeRole');
    } finally {
      await new Promise((resolve) => refusing.server.close(resolve));
    }
  });
});
