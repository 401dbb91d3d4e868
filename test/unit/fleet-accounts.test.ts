// The AssumeRole request a member account's clients send, their sharing and renewal of one session, and the
// refusals, driven with aws-sdk-client-mock. Acting in another account of moto is in
// test/integration/fleet-accounts.test.ts.
import { AssumeRoleCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lambdaClient, resetSharedClients, sqsClient } from '../../shared/clients.js';
import { ConfigurationError, DependencyError, ValidationError } from '../../shared/errors.js';
import {
  AccountAccessError,
  accountClients,
  resetAccountClients,
  roleCredentials,
} from '../../shared/fleet/accounts.js';
import type { WatchList } from '../../shared/fleet/workload.js';

const sts = mockClient(STSClient);

const MEMBER = '222222222222';
const ROLE = `arn:aws:iam::${MEMBER}:role/lambda-runbook-member`;
const watchList: WatchList = {
  workloads: [],
  accounts: { [MEMBER]: { id: MEMBER, name: 'prod-eu', roleArn: ROLE } },
};

function issued(secondsLeft: number) {
  return {
    Credentials: {
      AccessKeyId: 'ASIAMEMBER',
      SecretAccessKey: 'secret',
      SessionToken: 'token',
      Expiration: new Date(Date.now() + secondsLeft * 1000),
    },
  };
}

/** Resolves a client's credentials as its signer would before a request. */
async function credentialsOf(client: { config: { credentials: unknown } }) {
  return (client.config.credentials as () => Promise<{ accessKeyId: string; accountId?: string }>)();
}

beforeEach(() => {
  sts.reset();
  resetAccountClients();
});

afterEach(() => {
  resetAccountClients();
});

describe('accountClients', () => {
  it('assumes the listed role with a runbook session name for 900 seconds, and nothing more', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).resolves(issued(900));
    const clients = accountClients(watchList, MEMBER);

    // Act
    const credentials = await credentialsOf(clients.lambda);

    // Assess
    expect(clients.account).toBe(MEMBER);
    expect(credentials).toMatchObject({ accessKeyId: 'ASIAMEMBER', accountId: MEMBER });
    const calls = sts.commandCalls(AssumeRoleCommand);
    expect(calls).toHaveLength(1);
    // No session tags, source identity, external id or session policy: first-party roles need none.
    expect(calls[0]?.args[0].input).toEqual({
      RoleArn: ROLE,
      RoleSessionName: expect.stringMatching(/^lambda-runbook-[0-9a-f]{8}$/),
      DurationSeconds: 900,
    });
  });

  it('asks for the session length it is given', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).resolves(issued(3600));

    // Act
    await credentialsOf(accountClients(watchList, MEMBER, { durationSeconds: 3600 }).scheduler);

    // Assess
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input.DurationSeconds).toBe(3600);
  });

  it('shares one session among the five clients of an account', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).resolves(issued(900));
    const { lambda, scheduler, sqs, codedeploy, cloudwatch } = accountClients(watchList, MEMBER);

    // Act
    await Promise.all([lambda, scheduler, sqs, codedeploy, cloudwatch].map(credentialsOf));

    // Assess
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
  });

  it('assumes the role again when the session is within 5 minutes of its end', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).resolvesOnce(issued(60)).resolves(issued(900));
    const { lambda } = accountClients(watchList, MEMBER);
    await credentialsOf(lambda);

    // Act
    await credentialsOf(lambda);
    await credentialsOf(lambda);

    // Assess
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it('builds the clients of an account once and reuses them', () => {
    // Act
    const first = accountClients(watchList, MEMBER);
    const second = accountClients(structuredClone(watchList), MEMBER);

    // Assess
    expect(second).toBe(first);
    expect(second.lambda).toBe(first.lambda);
  });

  it('builds new clients after a reset, and resetSharedClients resets them too', () => {
    // Prepare
    const first = accountClients(watchList, MEMBER);

    // Act
    resetAccountClients();
    const second = accountClients(watchList, MEMBER);
    resetSharedClients();
    const third = accountClients(watchList, MEMBER);

    // Assess
    expect(second.lambda).not.toBe(first.lambda);
    expect(third.lambda).not.toBe(second.lambda);
  });

  it('answers the shared clients for the runbook own account', () => {
    // Act
    const clients = accountClients(watchList, undefined);

    // Assess
    expect(clients.account).toBeUndefined();
    expect(clients.lambda).toBe(lambdaClient());
    expect(clients.sqs).toBe(sqsClient());
  });

  it('keeps queue URLs from choosing the endpoint of a member account', async () => {
    // Act
    const { sqs } = accountClients(watchList, MEMBER);

    // Assess
    expect(sqs.config.useQueueUrlAsEndpoint).toBe(false);
  });

  it.each([
    [
      'an account not in the list',
      '333333333333',
      /^account: 333333333333 is not in the watch list \(it lists 222222222222\)$/,
    ],
    ['an account id that is not 12 digits', '2222', /^account: must be a 12-digit account id$/],
    ['an inherited property name', 'constructor', /^account: must be a 12-digit account id$/],
  ])('refuses %s before any request', (_, account, message) => {
    // Act & Assess
    let thrown: unknown;
    try {
      accountClients(watchList, account);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect(thrown).toMatchObject({
      field: 'account',
      statusCode: 400,
      message: expect.stringMatching(message),
    });
    expect(sts.calls()).toHaveLength(0);
  });

  it('names at most five listed accounts when it refuses one, however long the list', () => {
    // Prepare
    const ids = Array.from({ length: 8 }, (_, i) => String(100_000_000_000 + i));
    const many: WatchList = {
      workloads: [],
      accounts: Object.fromEntries(
        ids.map((id) => [id, { id, roleArn: `arn:aws:iam::${id}:role/lambda-runbook-member` }]),
      ),
    };
    const none: WatchList = { workloads: [], accounts: {} };

    // Act & Assess
    expect(() => accountClients(many, MEMBER)).toThrow(
      `account: ${MEMBER} is not in the watch list (it lists ${ids.slice(0, 5).join(', ')} and 3 more)`,
    );
    expect(() => accountClients(none, MEMBER)).toThrow(
      `account: ${MEMBER} is not in the watch list (it lists no member account)`,
    );
    expect(sts.calls()).toHaveLength(0);
  });

  it('refuses a listed account whose role lives in another account, before any request', () => {
    // Prepare
    const crossed: WatchList = {
      workloads: [],
      accounts: { [MEMBER]: { id: MEMBER, roleArn: 'arn:aws:iam::333333333333:role/lambda-runbook-member' } },
    };

    // Act & Assess
    expect(() => accountClients(crossed, MEMBER)).toThrow(ConfigurationError);
    expect(sts.calls()).toHaveLength(0);
  });

  it('turns a refused AssumeRole into a DependencyError naming the account and the role', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(
      new STSServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: 'not authorized to perform: sts:AssumeRole',
      }),
    );
    const { lambda } = accountClients(watchList, MEMBER);

    // Act
    const failure = credentialsOf(lambda);

    // Assess
    await expect(failure).rejects.toThrow(AccountAccessError);
    await expect(failure).rejects.toBeInstanceOf(DependencyError);
    await expect(failure).rejects.toMatchObject({
      message: `cannot act in account ${MEMBER}: assuming ${ROLE} was refused (AccessDenied)`,
      statusCode: 502,
      account: MEMBER,
      roleArn: ROLE,
    });
  });

  it('does not keep a failure: the next use assumes the role again', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejectsOnce(new Error('socket hang up')).resolves(issued(900));
    const { lambda } = accountClients(watchList, MEMBER);
    await expect(credentialsOf(lambda)).rejects.toThrow(
      `cannot act in account ${MEMBER}: assuming ${ROLE} failed (Error)`,
    );

    // Act
    const credentials = await credentialsOf(lambda);

    // Assess
    expect(credentials.accessKeyId).toBe('ASIAMEMBER');
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });
});

// Issue 18: ApprovalsFunction carries an approved fleet run out as FleetRole (functions/approvals/fleet.ts).
describe('acting as another role (AccountClientsOptions.as)', () => {
  const FLEET_ROLE = 'arn:aws:iam::123456789012:role/prod-fleet';
  const fleetIdentity = { accessKeyId: 'ASIAFLEET', secretAccessKey: 'fleet-secret', sessionToken: 't' };
  const as = { key: FLEET_ROLE, credentials: async () => fleetIdentity };

  it('serves the runbook’s own account with clients signing as that role, not the function’s own', async () => {
    // Act
    const clients = accountClients(watchList, undefined, { as });

    // Assess
    expect(clients.lambda).not.toBe(lambdaClient());
    expect(await credentialsOf(clients.lambda)).toMatchObject({ accessKeyId: 'ASIAFLEET' });
    expect(await credentialsOf(clients.scheduler)).toMatchObject({ accessKeyId: 'ASIAFLEET' });
    expect(await credentialsOf(clients.sqs)).toMatchObject({ accessKeyId: 'ASIAFLEET' });
    expect(accountClients(watchList, undefined, { as })).toBe(clients);
  });

  it('assumes a member role with that role’s credentials (role chaining), kept apart from the function’s own', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).resolves(issued(900));

    // Act
    const chained = accountClients(watchList, MEMBER, { as });
    await credentialsOf(chained.lambda);
    const own = accountClients(watchList, MEMBER);

    // Assess
    expect(own).not.toBe(chained);
    const [call] = sts.commandCalls(AssumeRoleCommand);
    expect(call?.args[0].input.RoleArn).toBe(ROLE);
    const client = call?.thisValue as STSClient;
    const signer = client.config.credentials as () => Promise<{ accessKeyId: string }>;
    expect(await signer()).toMatchObject({ accessKeyId: 'ASIAFLEET' });
  });

  it('roleCredentials assumes the named role with the function’s own STS client, and refuses a non-role ARN', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).resolves(issued(900));

    // Act
    const identity = await roleCredentials(FLEET_ROLE)();

    // Assess
    expect(identity).toMatchObject({ accessKeyId: 'ASIAMEMBER', accountId: '123456789012' });
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input.RoleArn).toBe(FLEET_ROLE);
    expect(() => roleCredentials('arn:aws:iam::123456789012:user/alice')).toThrow(ConfigurationError);
  });
});
