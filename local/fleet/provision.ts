// A fleet in the emulator: several workload functions, each with published versions and a `live` alias on the
// newest, tagged `runbook:watch=<name>`, in the runbook's own account or a member account. The drill's fleet
// scenario, the fleet tests and the bench start from it. Off-AWS only.
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  LambdaClient,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { WATCH_TAG } from '../../shared/fleet/discover.js';
import { bareWorkload, type WatchList, type Workload } from '../../shared/fleet/workload.js';
import { ensureLambdaRole } from '../moto.js';
import { adminCredentials, ensureRole, prepareMemberAccount } from './accounts.js';

const CODE = Buffer.from('lambda-runbook emulator: moto runs no function code without Docker');

export interface FleetMember {
  /** The workload's name; its function is `<prefix>-<name>`. */
  name: string;
  account?: string;
  tags?: Record<string, string>;
  /** Versions to publish (the alias serves the last); 3 by default. */
  versions?: number;
}

/** Creates each workload's function, versions and alias; returns the workloads as a watch list declares them. */
export async function provisionFleet(options: {
  prefix: string;
  members: FleetMember[];
  lambdaFor: (account: string | undefined) => Promise<LambdaClient> | LambdaClient;
  /** The execution role to give the functions of an account (moto checks that it exists). */
  roleFor: (account: string | undefined) => Promise<string> | string;
}): Promise<Workload[]> {
  const workloads: Workload[] = [];
  for (const member of options.members) {
    const lambda = await options.lambdaFor(member.account);
    const functionName = `${options.prefix}-${member.name}`.slice(0, 64);
    const tags = { ...(member.tags ?? {}), [WATCH_TAG]: member.name };
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: functionName,
        Role: await options.roleFor(member.account),
        Handler: 'handler.handler',
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Code: { ZipFile: CODE },
        Tags: tags,
      }),
    );
    const count = Math.max(2, member.versions ?? 3);
    let last = '1';
    for (let n = 1; n <= count; n++) {
      // A configuration change per version, or Lambda (and moto) would not publish a new one.
      await lambda.send(
        new UpdateFunctionConfigurationCommand({ FunctionName: functionName, Description: `build ${n}` }),
      );
      const published = await lambda.send(
        new PublishVersionCommand({ FunctionName: functionName, Description: `build ${n}` }),
      );
      last = String(published.Version);
    }
    await lambda.send(
      new CreateAliasCommand({ FunctionName: functionName, Name: 'live', FunctionVersion: last }),
    );
    workloads.push(
      bareWorkload({
        name: member.name,
        ...(member.account ? { account: member.account } : {}),
        functionName,
        tags: member.tags ?? {},
        source: 'file',
      }),
    );
  }
  return workloads;
}

/** One bad change across the fleet: publish a new version of each and point its alias at it. */
export async function breakFleet(
  workloads: Workload[],
  lambdaFor: (account: string | undefined) => Promise<LambdaClient> | LambdaClient,
  description = 'bad shared layer',
): Promise<Record<string, string>> {
  const versions: Record<string, string> = {};
  for (const workload of workloads) {
    const lambda = await lambdaFor(workload.account);
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: workload.functionName,
        Description: description,
      }),
    );
    const published = await lambda.send(
      new PublishVersionCommand({ FunctionName: workload.functionName, Description: description }),
    );
    const version = String(published.Version);
    await lambda.send(
      new UpdateAliasCommand({
        FunctionName: workload.functionName,
        Name: workload.alias,
        FunctionVersion: version,
      }),
    );
    versions[workload.name] = version;
  }
  return versions;
}

const LAMBDA_TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

/** A fleet across accounts, ready to act on: member roles, functions, and the watch list that declares them. */
export interface PreparedFleet {
  watchList: WatchList;
  /** A Lambda client acting in an account as its administrator (to break or inspect the fleet). */
  lambdaFor(account: string | undefined): Promise<LambdaClient>;
}

/**
 * Creates the member role in each member account (as member-role.yaml would), each workload's function there
 * or in the runbook's own account, and the watch list a team would write for them.
 */
export async function prepareFleet(options: {
  prefix: string;
  members: FleetMember[];
  endpoint?: string;
}): Promise<PreparedFleet> {
  const endpoint = options.endpoint ?? String(process.env.AWS_ENDPOINT_URL);
  const config = { endpoint };
  const accounts: WatchList['accounts'] = {};
  const admins = new Map<string, LambdaClient>();
  const roles = new Map<string, string>();
  for (const account of new Set(
    options.members.flatMap((member) => (member.account ? [member.account] : [])),
  )) {
    accounts[account] = await prepareMemberAccount(account, { endpoint });
    const admin = await adminCredentials(account, endpoint);
    admins.set(account, new LambdaClient({ ...config, credentials: admin }));
    roles.set(account, await ensureRole(admin, 'lambda-runbook-local', LAMBDA_TRUST, { endpoint }));
  }
  const home = new LambdaClient(config);
  const lambdaFor = async (account: string | undefined) => (account ? (admins.get(account) ?? home) : home);
  const workloads = await provisionFleet({
    prefix: options.prefix,
    members: options.members,
    lambdaFor,
    roleFor: async (account) => (account ? (roles.get(account) as string) : ensureLambdaRole(endpoint)),
  });
  return { watchList: { workloads, accounts }, lambdaFor };
}

/** A watch list in the file's own form (what watchlist.json or WATCH_LIST holds). */
export function watchListFile(list: WatchList): object {
  return {
    accounts: Object.values(list.accounts),
    workloads: list.workloads.map(({ source: _source, ...workload }) => workload),
  };
}
