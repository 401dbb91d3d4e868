// The SDK clients of one account of the fleet. The runbook's own account uses the shared clients of
// shared/clients.ts; a member account gets clients whose credentials come from sts:AssumeRole on the role the
// watch list names for it (issue 16, point 5). Credentials from AssumeRole act in the role's account, so the
// role's ARN decides where a client acts: it must be in the account it is listed under.
//
// Clients are built on first use and kept for the life of the container, one set per account, as the SDK team
// advises (one client per region and credentials, reused). The five clients of an account share one
// credential provider, so they cost one AssumeRole per session, not one each.
import { randomBytes } from 'node:crypto';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, type Credentials, STSClient } from '@aws-sdk/client-sts';
import { doesIdentityRequireRefresh, isIdentityExpired, memoizeIdentityProvider } from '@smithy/core';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import {
  cloudWatchClient,
  codeDeployClient,
  lambdaClient,
  lazy,
  schedulerClient,
  sqsClient,
  withoutSdkLogging,
} from '../clients.js';
import { ConfigurationError, DependencyError, isAwsError, ValidationError } from '../errors.js';
import { ACCOUNT_ID, type MemberAccount, ROLE_ARN, type WatchList } from './workload.js';

/** The clients a fleet action uses in one account. */
export interface AccountClients {
  /** The member account they act in; undefined: the runbook's own account. */
  account?: string;
  lambda: LambdaClient;
  scheduler: SchedulerClient;
  sqs: SQSClient;
  codedeploy: CodeDeployClient;
  cloudwatch: CloudWatchClient;
  /** Tag discovery of `runbook:watch` functions in that account (discover.ts). */
  tagging: ResourceGroupsTaggingAPIClient;
}

export interface AccountClientsOptions {
  /**
   * How long one assumed session lasts, in seconds: 900 (the shortest STS allows, and the default) up to the
   * role's maximum. The SDK assumes the role again 5 minutes before a session ends, so a long run never sees
   * expired credentials. https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
   */
  durationSeconds?: number;
  /**
   * Whose credentials act, when not the function's own: the approvals function carries an approved fleet run
   * out with the FleetFunction role's credentials (functions/approvals/fleet.ts), so that the fleet's permissions
   * are the fleet role's alone. The runbook's own account is then served by clients with these credentials, and
   * a member role is assumed with them (role chaining). `key` names the source (the role ARN) in the cache.
   */
  as?: { key: string; credentials: AwsCredentialIdentityProvider };
}

const DEFAULT_DURATION_SECONDS = 900;
const KNOWN_ACCOUNTS_SHOWN = 5;

/** The STS client that assumes member roles, with the runbook's own credentials. Tests may `reset` it. */
export const stsClient = /* @__PURE__ */ lazy(() => withoutSdkLogging(new STSClient({})));
/** Tag discovery in the runbook's own account. */
export const taggingClient = /* @__PURE__ */ lazy(() =>
  withoutSdkLogging(new ResourceGroupsTaggingAPIClient({})),
);

// One session name per container, so CloudTrail in a member account shows which runbook container acted
// (`assumed-role/<role>/lambda-runbook-1a2b3c4d`). No session tags, no source identity, no external id: the
// roles are first-party, and tags would need sts:TagSession in the trust policy for nothing.
const sessionName = /* @__PURE__ */ lazy(() => `lambda-runbook-${randomBytes(4).toString('hex')}`);

/** Member accounts' clients by account, role and duration; destroyed by resetAccountClients/resetSharedClients. */
class MemberClients extends Map<string, AccountClients> {
  destroy(): void {
    for (const clients of this.values())
      for (const client of [
        clients.lambda,
        clients.scheduler,
        clients.sqs,
        clients.codedeploy,
        clients.cloudwatch,
      ])
        client.destroy();
    this.clear();
  }
}
const memberClients = /* @__PURE__ */ lazy(() => new MemberClients());

/** Thrown when the runbook cannot act in a member account: a per-workload failure in a fleet run (502). */
export class AccountAccessError extends DependencyError {
  readonly account: string;
  readonly roleArn: string;
  constructor(member: MemberAccount, cause: unknown) {
    const name = cause instanceof Error ? cause.name : 'Error';
    const outcome = isAwsError(cause, 'AccessDenied', 'AccessDeniedException') ? 'was refused' : 'failed';
    super(
      `cannot act in account ${member.id}: assuming ${member.roleArn} ${outcome} (${name})`,
      cause,
      'AccountAccessFailed',
    );
    this.account = member.id;
    this.roleArn = member.roleArn;
  }
}

/**
 * The SDK clients of one account: the shared clients when `account` is undefined (the runbook's own account),
 * otherwise clients acting through the role the watch list names for that account, built once and reused.
 * Refuses an account the watch list does not hold (ValidationError on `account`) before any request.
 *
 * @example
 * const { lambda } = accountClients(watchList, workload.account);
 * await lambda.send(new GetAliasCommand({ FunctionName: workload.functionName, Name: workload.alias }));
 */
export function accountClients(
  watchList: WatchList,
  account: string | undefined,
  options: AccountClientsOptions = {},
): AccountClients {
  if (account === undefined && options.as) return homeClientsAs(options.as);
  if (account === undefined) {
    return {
      lambda: lambdaClient(),
      scheduler: schedulerClient(),
      sqs: sqsClient(),
      codedeploy: codeDeployClient(),
      cloudwatch: cloudWatchClient(),
      tagging: taggingClient(),
    };
  }
  const member = memberAccount(watchList, account);
  const durationSeconds = options.durationSeconds ?? DEFAULT_DURATION_SECONDS;
  const key = `${member.id} ${member.roleArn} ${durationSeconds} ${options.as?.key ?? 'self'}`;
  const cache = memberClients();
  let clients = cache.get(key);
  if (clients === undefined) {
    clients = createMemberClients(member, durationSeconds, options.as);
    cache.set(key, clients);
  }
  return clients;
}

/**
 * Destroys and forgets every member account's clients and the STS client; resetSharedClients does it too.
 * Needed only where a process switches emulators (the bench, tests); Lambda never calls it.
 */
export function resetAccountClients(): void {
  memberClients().destroy();
  for (const sts of stsClientsAs().values()) sts.destroy();
  stsClientsAs().clear();
  stsClient().destroy();
  stsClient.reset();
}

function memberAccount(watchList: WatchList, account: string): MemberAccount {
  if (!ACCOUNT_ID.test(account))
    throw new ValidationError('account: must be a 12-digit account id', 'account');
  const member = Object.hasOwn(watchList.accounts, account) ? watchList.accounts[account] : undefined;
  if (member === undefined) {
    const known = Object.keys(watchList.accounts);
    const shown = known.slice(0, KNOWN_ACCOUNTS_SHOWN).join(', ');
    const more =
      known.length > KNOWN_ACCOUNTS_SHOWN ? ` and ${known.length - KNOWN_ACCOUNTS_SHOWN} more` : '';
    throw new ValidationError(
      `account: ${account} is not in the watch list (${known.length === 0 ? 'it lists no member account' : `it lists ${shown}${more}`})`,
      'account',
    );
  }
  // Credentials from AssumeRole act in the role's account: a role of another account would make every call
  // labelled with this account land elsewhere. That is a deployment mistake, not the caller's.
  const roleAccount = ROLE_ARN.exec(member.roleArn)?.[1];
  if (roleAccount !== account || member.id !== account)
    throw new ConfigurationError(
      `watch list: account ${account} must name a role of that account (arn:aws:iam::${account}:role/…), not ${member.roleArn.slice(0, 200)}`,
    );
  return member;
}

/** The runbook's own account's clients acting as another principal (AccountClientsOptions.as), kept per key. */
function homeClientsAs(as: NonNullable<AccountClientsOptions['as']>): AccountClients {
  const key = `self ${as.key}`;
  const cache = memberClients();
  let clients = cache.get(key);
  if (clients === undefined) {
    clients = clientsWith(as.credentials);
    cache.set(key, clients);
  }
  return clients;
}

function createMemberClients(
  member: MemberAccount,
  durationSeconds: number,
  as: AccountClientsOptions['as'],
): AccountClients {
  const sts = as ? stsClientAs(as) : stsClient();
  return { account: member.id, ...clientsWith(assumedRole(member, durationSeconds, sts)) };
}

// STS clients with other principals' credentials, by key: destroyed with the member clients.
const stsClientsAs = /* @__PURE__ */ lazy(() => new Map<string, STSClient>());
function stsClientAs(as: NonNullable<AccountClientsOptions['as']>): STSClient {
  let sts = stsClientsAs().get(as.key);
  if (sts === undefined) {
    sts = withoutSdkLogging(new STSClient({ credentials: as.credentials }));
    stsClientsAs().set(as.key, sts);
  }
  return sts;
}

function clientsWith(credentials: AwsCredentialIdentityProvider): Omit<AccountClients, 'account'> {
  // Region, endpoint and retries come from the environment, as for the shared clients.
  // Without the SDK's logger middleware, as the shared clients (shared/clients.ts says why).
  return {
    lambda: withoutSdkLogging(new LambdaClient({ credentials })),
    scheduler: withoutSdkLogging(new SchedulerClient({ credentials })),
    // A queue URL must never choose where signed requests go (issue 13): see shared/clients.ts.
    sqs: withoutSdkLogging(new SQSClient({ credentials, useQueueUrlAsEndpoint: false })),
    codedeploy: withoutSdkLogging(new CodeDeployClient({ credentials })),
    cloudwatch: withoutSdkLogging(new CloudWatchClient({ credentials })),
    tagging: withoutSdkLogging(new ResourceGroupsTaggingAPIClient({ credentials })),
  };
}

/**
 * Credentials of a role of the runbook's own deployment, assumed with the function's own credentials and
 * renewed as member sessions are: what AccountClientsOptions.as takes (the FleetFunction's role, assumed by the
 * approvals function). A role ARN that is not one is a deployment error.
 */
export function roleCredentials(roleArn: string): AwsCredentialIdentityProvider {
  const account = ROLE_ARN.exec(roleArn)?.[1];
  if (!account) throw new ConfigurationError(`not a role ARN: ${roleArn.slice(0, 200)}`);
  return assumedRole({ id: account, roleArn }, DEFAULT_DURATION_SECONDS);
}

/**
 * One memoized provider per account: it assumes the role on first use, answers from its cache until 5 minutes
 * before the session ends, then assumes it again; concurrent callers share one request. A failure is not
 * cached, so the next call tries again.
 */
function assumedRole(
  member: MemberAccount,
  durationSeconds: number,
  sts: STSClient = stsClient(),
): AwsCredentialIdentityProvider {
  const assume = async (): Promise<AwsCredentialIdentity> => {
    let issued: Credentials | undefined;
    try {
      const answer = await sts.send(
        new AssumeRoleCommand({
          RoleArn: member.roleArn,
          RoleSessionName: sessionName(),
          DurationSeconds: durationSeconds,
        }),
      );
      issued = answer.Credentials;
    } catch (error) {
      throw new AccountAccessError(member, error);
    }
    if (!issued?.AccessKeyId || !issued.SecretAccessKey || !issued.SessionToken)
      throw new AccountAccessError(member, new Error('STS answered without credentials'));
    return {
      accessKeyId: issued.AccessKeyId,
      secretAccessKey: issued.SecretAccessKey,
      sessionToken: issued.SessionToken,
      ...(issued.Expiration ? { expiration: issued.Expiration } : {}),
      accountId: member.id,
    };
  };
  const memoized = memoizeIdentityProvider(assume, isIdentityExpired, doesIdentityRequireRefresh);
  if (memoized === undefined) throw new Error('unreachable: a provider function is always memoized');
  return memoized;
}
