/**
 * Member accounts in moto, for the drill and tests: the role the runbook assumes in each, created in that
 * account with the trust policy the member template ships. Never bundled into a function.
 *
 * moto (5.2) serves every account at once and routes a request by its access key: credentials from AssumeRole
 * act in the role's account. What its AssumeRole does not check (found by trying, Nov 2026): that the role
 * exists, its trust policy (IAM is not enforced, so it never answers AccessDenied), DurationSeconds' range,
 * the session name's characters (only its length, 64), session tags, SourceIdentity and ExternalId (accepted
 * and ignored); a RoleArn that is not an ARN acts in the default account. So an administrator's way in — the
 * OrganizationAccountAccessRole AWS Organizations creates in each member account — is assumed here without
 * being created, and a refused AssumeRole is tested against a loopback stand-in, not moto. Its Lambda does
 * check that a function's execution role exists in the function's own account.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { MemberAccount } from '../../shared/fleet/workload.js';

/** The account of moto's default credentials (`testing`), where the runbook itself runs. */
export const RUNBOOK_ACCOUNT = '123456789012';
/** The role the member template creates in each member account. */
export const MEMBER_ROLE_NAME = 'lambda-runbook-member';
const ADMIN_ROLE_NAME = 'OrganizationAccountAccessRole';

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

/** The trust policy of the member role: principals of the runbook's account may assume it, nobody else. */
export function memberTrustPolicy(runbookAccount: string = RUNBOOK_ACCOUNT): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${runbookAccount}:root` },
        Action: 'sts:AssumeRole',
      },
    ],
  };
}

/**
 * Creates (or finds) the member role in `account` and returns the watch list's entry for it. Idempotent.
 *
 * @example
 * const member = await prepareMemberAccount('222222222222', { name: 'prod-eu' });
 * const watchList = { workloads, accounts: { [member.id]: member } };
 */
export async function prepareMemberAccount(
  account: string,
  options: { name?: string; runbookAccount?: string; endpoint?: string } = {},
): Promise<MemberAccount> {
  const admin = await adminCredentials(account, options.endpoint);
  const roleArn = await ensureRole(
    admin,
    MEMBER_ROLE_NAME,
    memberTrustPolicy(options.runbookAccount),
    options,
  );
  return { id: account, ...(options.name ? { name: options.name } : {}), roleArn };
}

/** Credentials acting in `account` as its administrator, as a person deploying the member template would. */
export async function adminCredentials(account: string, endpoint?: string): Promise<TemporaryCredentials> {
  const sts = new STSClient(endpoint ? { endpoint } : {});
  try {
    const { Credentials } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${account}:role/${ADMIN_ROLE_NAME}`,
        RoleSessionName: 'lambda-runbook-local-admin',
      }),
    );
    const { AccessKeyId, SecretAccessKey, SessionToken } = Credentials ?? {};
    if (!AccessKeyId || !SecretAccessKey || !SessionToken)
      throw new Error(`moto answered AssumeRole in ${account} without credentials`);
    return { accessKeyId: AccessKeyId, secretAccessKey: SecretAccessKey, sessionToken: SessionToken };
  } finally {
    sts.destroy();
  }
}

/**
 * Makes sure a role exists in the account of `credentials` and returns its ARN. The IAM client is not a
 * dependency, so this speaks IAM's query protocol, as local/moto.ts does; moto picks the account from the
 * access key in the credential scope and does not check the signature.
 */
export async function ensureRole(
  credentials: TemporaryCredentials,
  roleName: string,
  trustPolicy: object,
  options: { endpoint?: string } = {},
): Promise<string> {
  const endpoint = (options.endpoint ?? process.env.AWS_ENDPOINT_URL ?? '').replace(/\/+$/, '');
  if (endpoint === '') throw new Error('ensureRole speaks to moto: set AWS_ENDPOINT_URL or pass endpoint');
  const query = async (params: Record<string, string>) => {
    const response = await fetch(`${endpoint}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0`,
        'x-amz-security-token': credentials.sessionToken,
      },
      body: new URLSearchParams({ ...params, Version: '2010-05-08' }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    return { ok: response.ok, text, arn: /<Arn>([^<]+)<\/Arn>/.exec(text)?.[1] };
  };
  const found = await query({ Action: 'GetRole', RoleName: roleName });
  if (found.ok && found.arn) return found.arn;
  const created = await query({
    Action: 'CreateRole',
    RoleName: roleName,
    AssumeRolePolicyDocument: JSON.stringify(trustPolicy),
  });
  if (created.ok && created.arn) return created.arn;
  // Another test created it between our look and our create: that is the state we wanted.
  const raced = created.text.includes('<Code>EntityAlreadyExists</Code>')
    ? await query({ Action: 'GetRole', RoleName: roleName })
    : undefined;
  if (raced?.ok && raced.arn) return raced.arn;
  throw new Error(`could not create IAM role ${roleName} in moto: ${created.text.slice(0, 500)}`);
}
