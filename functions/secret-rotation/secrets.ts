// Reading a secret: its description and stages, and one version's value by stage, parsed. Shared by the
// rotation steps (rotation.ts) and the revocation of the previous key (revoke.ts).
import {
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  GetSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import { ConflictError, isAwsError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { type SecretDocument, secretDocumentSchema } from './schema.js';
import { PENDING, type RotationDeps, type Stages } from './types.js';

type Deps = Pick<RotationDeps, 'secrets'>;

export async function describeSecret(
  deps: Deps,
  secretId: string,
  field: string,
): Promise<DescribeSecretCommandOutput> {
  try {
    return await deps.secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) {
      throw new NotFoundError(`no secret ${secretId}`, field, error);
    }
    throw error;
  }
}

export function stagesOf(description: DescribeSecretCommandOutput): Stages {
  return Object.fromEntries(
    Object.entries(description.VersionIdsToStages ?? {}).map(([id, labels]) => [id, [...labels]]),
  );
}

export function versionWith(stages: Stages, label: string): string | undefined {
  return Object.entries(stages).find(([, labels]) => labels.includes(label))?.[0];
}

/** Parses a secret value; the error names the field and never quotes the value. */
export function parseSecret(text: string | undefined, what: string): SecretDocument {
  if (text === undefined) throw new ValidationError(`${what} has no SecretString`, 'SecretString');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // No cause: a JSON.parse error quotes the text it choked on.
    throw new ValidationError(
      `${what} is not JSON: expected {"provider": "random" | "http", …}`,
      'SecretString',
    );
  }
  const parsed = secretDocumentSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = (issue?.path ?? []).map(String).join('.');
  throw new ValidationError(
    `${what}: ${path ? `${path}: ` : ''}${issue?.message ?? 'invalid'}`,
    path ? `SecretString.${path}` : 'SecretString',
  );
}

/**
 * One version's value, always by stage (and version id when given): without VersionStage, GetSecretValue
 * answers AWSCURRENT, and moto may answer a stale version. Undefined when that version has no value.
 */
export async function readSecret(
  deps: Deps,
  arn: string,
  stage: string,
  versionId?: string,
): Promise<SecretDocument | undefined> {
  let text: string | undefined;
  try {
    const answer = await deps.secrets.send(
      new GetSecretValueCommand({
        SecretId: arn,
        VersionStage: stage,
        ...(versionId ? { VersionId: versionId } : {}),
      }),
    );
    text = answer.SecretString;
  } catch (error) {
    // A version staged by RotateSecret has no value until createSecret puts one.
    if (isAwsError(error, 'ResourceNotFoundException')) return undefined;
    throw error;
  }
  return parseSecret(text, `the ${stage} value${versionId ? ` of version ${versionId}` : ''}`);
}

export async function requireSecret(deps: Deps, arn: string, stage: string, versionId?: string) {
  const value = await readSecret(deps, arn, stage, versionId);
  if (!value) {
    throw new ConflictError(
      stage === PENDING
        ? `version ${versionId} has no value yet: createSecret has not run for it`
        : `the secret has no ${stage} value`,
      stage === PENDING ? 'ClientRequestToken' : 'SecretId',
    );
  }
  return value;
}
