// Creates the stack's own resources, read from template.yaml, inside the local emulator (moto): the audit
// table, topics, queues, schedule group, schedules, roles, alarms, and the functions — the sample workload
// with several published versions behind its `live` alias. A local sandbox in which every command runs.
//
// moto runs no function code without Docker, so functions are created with placeholder code: their
// configuration, versions and aliases are real, which is what the runbook acts on.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  CloudWatchClient,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  LambdaClient,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  CreateScheduleGroupCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import {
  CreateSecretCommand,
  GetRandomPasswordCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ensureLambdaRole } from '../moto.js';
import {
  evaluateCondition,
  type Json,
  type JsonObject,
  loadTemplate,
  parameterValues,
  projectRoot,
  type ResolveContext,
  resolveValue,
  type Template,
} from '../template.js';
import { subscribeTaps, type Tap } from './taps.js';

export const LOCAL_ACCOUNT = '123456789012';
export const LOCAL_REGION = 'us-east-1';
/**
 * Where the CLI keeps a running emulator's description, and how a person starts one, by where it is installed.
 * A checkout (a clone, or the clone `npm link` points at): `.runbook/` in it (gitignored), started with
 * `npm run emulator`. A package npm installed (`npm install -g lambda-runbook-0.1.0.tgz`: its folder is under a
 * node_modules) has no npm scripts to run, and its folder is no place for state (root's, and replaced by the
 * next install): the user's state folder (XDG_STATE_HOME, else ~/.local/state), started with `runbook emulator`.
 */
export function emulatorHome(root: string, env: NodeJS.ProcessEnv, home: string) {
  const installed = root.split(/[\\/]/).includes('node_modules');
  return {
    stateDir: installed
      ? join(env.XDG_STATE_HOME || join(home, '.local', 'state'), 'lambda-runbook')
      : join(root, '.runbook'),
    startCommand: installed ? 'runbook emulator' : 'npm run emulator',
  };
}

const home = emulatorHome(projectRoot, process.env, homedir());

/** The command that starts the emulator, as a person types it where this CLI is installed. */
export const startEmulatorCommand = home.startCommand;

/**
 * Where a running `runbook emulator` describes itself (emulatorHome), or RUNBOOK_STATE_DIR — which tests set,
 * so that they never read or overwrite a developer's running emulator.
 */
export const defaultStateDir = home.stateDir;
export const stateDir = process.env.RUNBOOK_STATE_DIR || defaultStateDir;
export const stateFile = join(stateDir, 'emulator.json');

export interface ProvisionedResource {
  type: string;
  ref: string;
  attributes: Record<string, string>;
}

export interface EmulatorState {
  endpoint: string;
  /**
   * CloudWatch as every process pointed at this emulator reaches it: the stand-in `runbook emulator` starts in
   * front of moto (local/cloudwatch/stand-in.ts), which keeps the alarm history moto lacks. Absent: moto itself.
   */
  cloudwatchEndpoint?: string;
  stackName: string;
  region: string;
  accountId: string;
  parameters: Record<string, string>;
  resources: Record<string, ProvisionedResource>;
  /** Resources the emulator does not create (API Gateway, permissions, subscriptions), by logical id. */
  skipped: Record<string, string>;
  /** The SNS subscriptions of the template's functions, each reproduced as an SQS tap (local/emulator/taps.ts). */
  taps?: Tap[];
  /** The sample workload's published versions, oldest first, with the git sha each records. */
  workload?: { functionName: string; alias: string; versions: { version: string; gitSha: string }[] };
}

/** An SDK client configuration for the emulator: its endpoint and region, moto's test keys, one attempt. */
export function emulatorClientConfig(at: { endpoint: string; region?: string }) {
  return {
    endpoint: at.endpoint,
    region: at.region ?? LOCAL_REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  };
}

/** The logical id of the stack's function with this physical name, if it is one of the stack's. */
export function functionLogicalId(state: EmulatorState, functionName: string): string | undefined {
  return Object.entries(state.resources).find(
    ([, resource]) => resource.type === 'AWS::Serverless::Function' && resource.ref === functionName,
  )?.[0];
}

export interface ProvisionOptions {
  endpoint: string;
  stackName?: string;
  template?: Template;
  parameters?: Record<string, string>;
  /** How many versions of the sample workload to publish (the alias serves the last). */
  workloadVersions?: number;
}

/** The fake git sha the emulator records for the n-th published version of the sample workload. */
export function sampleGitSha(n: number): string {
  return createHash('sha1').update(`lambda-runbook sample workload v${n}`).digest('hex');
}

const PLACEHOLDER_CODE = Buffer.from('lambda-runbook emulator: moto runs no function code without Docker');

// Resources are created in this order so that every Ref and GetAtt points at something that already exists.
const ORDER = [
  'AWS::IAM::Role',
  'AWS::Logs::LogGroup',
  'AWS::DynamoDB::Table',
  'AWS::SNS::Topic',
  'AWS::SQS::Queue',
  'AWS::Scheduler::ScheduleGroup',
  'AWS::SecretsManager::Secret',
  'AWS::Serverless::Function',
  'AWS::SecretsManager::RotationSchedule',
  'AWS::Scheduler::Schedule',
  'AWS::CloudWatch::Alarm',
];

export async function provisionStack(options: ProvisionOptions): Promise<EmulatorState> {
  const template = options.template ?? loadTemplate();
  const stackName = options.stackName ?? 'runbook-local';
  // Three attempts here, not the one the tests' clients make: moto's server answers a rare 500 (an HTML
  // error page) when concurrent requests race inside it, and a stack that fails to provision fails a whole
  // test file that has not started testing. Every call made here is one moto implements, so a 500 is never
  // an unimplemented call being retried.
  const config = { ...emulatorClientConfig({ endpoint: options.endpoint }), maxAttempts: 3 };
  const clients = {
    lambda: new LambdaClient(config),
    dynamo: new DynamoDBClient(config),
    sns: new SNSClient(config),
    sqs: new SQSClient(config),
    scheduler: new SchedulerClient(config),
    cloudwatch: new CloudWatchClient(config),
    secrets: new SecretsManagerClient(config),
  };
  const state: EmulatorState = {
    endpoint: options.endpoint,
    stackName,
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT,
    parameters: parameterValues(template, options.parameters),
    resources: {},
    skipped: {},
  };
  const ctx = resolveContext(template, state);
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${resource}`;
  const physical = (logicalId: string) => `${stackName}-${logicalId}`.slice(0, 64);

  const entries = Object.entries(template.Resources).filter(
    ([, resource]) => !resource.Condition || evaluateCondition(ctx, resource.Condition),
  );
  for (const [logicalId, resource] of entries) {
    if (!ORDER.includes(resource.Type)) state.skipped[logicalId] = resource.Type;
    // Functions reference each other (a runbook function watches the workload): their names and ARNs are
    // known in advance, so register them first and any creation order resolves.
    if (resource.Type === 'AWS::Serverless::Function') {
      const functionArn = arn('lambda', `function:${physical(logicalId)}`);
      state.resources[logicalId] = {
        type: resource.Type,
        ref: physical(logicalId),
        attributes: { Arn: functionArn },
      };
      const alias = resource.Properties?.AutoPublishAlias;
      if (typeof alias === 'string') {
        const aliasArn = `${functionArn}:${alias}`;
        state.resources[`${logicalId}Alias${alias}`] = {
          type: 'AWS::Lambda::Alias',
          ref: aliasArn,
          attributes: { Arn: aliasArn },
        };
      }
      // SAM's CodeDeploy resources for a DeploymentPreference, under SAM's logical ids and the names the local
      // CodeDeploy simulator gives them (local/codedeploy/local.ts), so a !Ref to them resolves off AWS.
      const preference = resource.Properties?.DeploymentPreference;
      if (
        typeof preference === 'object' &&
        preference !== null &&
        (preference as JsonObject).Enabled !== false
      ) {
        state.resources.ServerlessDeploymentApplication = {
          type: 'AWS::CodeDeploy::Application',
          ref: `${stackName}-ServerlessDeploymentApplication`,
          attributes: {},
        };
        state.resources[`${logicalId}DeploymentGroup`] = {
          type: 'AWS::CodeDeploy::DeploymentGroup',
          ref: `${stackName}-${logicalId}DeploymentGroup`,
          attributes: {},
        };
      }
    }
  }
  const ordered = entries
    .filter(([, resource]) => ORDER.includes(resource.Type))
    .sort(([, a], [, b]) => ORDER.indexOf(a.Type) - ORDER.indexOf(b.Type));

  for (const [logicalId, resource] of ordered) {
    // A role's policies name resources created after it (and moto enforces no policy): only its name matters.
    // A function's Events wire it to the API and topics, which the emulator does not create: left out.
    // A function's DeploymentPreference is CodeDeploy's; local/codedeploy's simulator reads it from the template.
    const { Events: _events, DeploymentPreference: _deployment, ...properties } = resource.Properties ?? {};
    const props =
      resource.Type === 'AWS::IAM::Role' ? {} : ((resolveValue(ctx, properties) ?? {}) as JsonObject);
    const put = (ref: string, attributes: Record<string, string> = {}) => {
      state.resources[logicalId] = { type: resource.Type, ref, attributes };
    };
    switch (resource.Type) {
      case 'AWS::IAM::Role': {
        const roleArn = await ensureLambdaRole(options.endpoint, physical(logicalId));
        put(physical(logicalId), { Arn: roleArn });
        break;
      }
      case 'AWS::Logs::LogGroup': {
        // moto's CloudWatch Logs is not needed by any handler; the name is all a Ref needs.
        const name = String(props.LogGroupName ?? physical(logicalId));
        put(name, { Arn: arn('logs', `log-group:${name}:*`) });
        break;
      }
      case 'AWS::DynamoDB::Table': {
        const name = String(props.TableName ?? physical(logicalId));
        await clients.dynamo.send(
          new CreateTableCommand({
            TableName: name,
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: props.AttributeDefinitions as never,
            KeySchema: props.KeySchema as never,
            GlobalSecondaryIndexes: props.GlobalSecondaryIndexes as never,
          }),
        );
        put(name, { Arn: arn('dynamodb', `table/${name}`) });
        break;
      }
      case 'AWS::SNS::Topic': {
        const name = String(props.TopicName ?? physical(logicalId));
        const { TopicArn } = await clients.sns.send(new CreateTopicCommand({ Name: name }));
        put(String(TopicArn), { TopicName: name, TopicArn: String(TopicArn) });
        break;
      }
      case 'AWS::SQS::Queue': {
        const name = String(props.QueueName ?? physical(logicalId));
        const attributes: Record<string, string> = {};
        if (props.MessageRetentionPeriod !== undefined) {
          attributes.MessageRetentionPeriod = String(props.MessageRetentionPeriod);
        }
        if (props.VisibilityTimeout !== undefined)
          attributes.VisibilityTimeout = String(props.VisibilityTimeout);
        const { QueueUrl } = await clients.sqs.send(
          new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
        );
        const { Attributes } = await clients.sqs.send(
          new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
        );
        put(String(QueueUrl), {
          Arn: String(Attributes?.QueueArn),
          QueueName: name,
          QueueUrl: String(QueueUrl),
        });
        break;
      }
      case 'AWS::Scheduler::ScheduleGroup': {
        const name = String(props.Name ?? physical(logicalId));
        const { ScheduleGroupArn } = await clients.scheduler.send(
          new CreateScheduleGroupCommand({ Name: name }),
        );
        put(name, { Arn: String(ScheduleGroupArn) });
        break;
      }
      case 'AWS::SecretsManager::Secret': {
        const name = String(props.Name ?? physical(logicalId));
        const { ARN } = await clients.secrets.send(
          new CreateSecretCommand({
            Name: name,
            Description: String(props.Description ?? ''),
            SecretString: await generatedSecretString(clients.secrets, props),
          }),
        );
        // A secret's Ref is its ARN.
        put(String(ARN), { Id: String(ARN) });
        break;
      }
      case 'AWS::SecretsManager::RotationSchedule': {
        // In AWS, a new rotation schedule starts the first rotation at once. RotateSecret does the same in
        // moto: it stages a version as AWSPENDING and "invokes" the function, whose code moto does not run.
        // The rotation is left staged, at a known version, for someone to play the four steps: the sample
        // events under events/secretsmanager/ do exactly that.
        const rules = (props.RotationRules ?? {}) as JsonObject;
        await clients.secrets.send(
          new RotateSecretCommand({
            SecretId: String(props.SecretId),
            ClientRequestToken: SAMPLE_ROTATION_TOKEN,
            RotationLambdaARN: String(props.RotationLambdaARN),
            // moto enables rotation only with AutomaticallyAfterDays.
            RotationRules: { AutomaticallyAfterDays: Number(rules.AutomaticallyAfterDays ?? 30) },
          }),
        );
        put(`${String(props.SecretId)}:rotation`, { VersionId: SAMPLE_ROTATION_TOKEN });
        break;
      }
      case 'AWS::Serverless::Function':
        await createFunction(clients.lambda, state, logicalId, props, template, physical(logicalId), options);
        break;
      case 'AWS::Scheduler::Schedule': {
        // The template's Properties are CreateSchedule's input, field for field.
        const input = props as unknown as CreateScheduleCommandInput;
        const name = String(input.Name ?? physical(logicalId));
        const { ScheduleArn } = await clients.scheduler.send(
          new CreateScheduleCommand({ ...input, Name: name }),
        );
        put(name, { Arn: String(ScheduleArn) });
        break;
      }
      case 'AWS::CloudWatch::Alarm': {
        const name = String(props.AlarmName ?? physical(logicalId));
        const input = props as unknown as PutMetricAlarmCommandInput;
        await clients.cloudwatch.send(new PutMetricAlarmCommand({ ...input, AlarmName: name }));
        put(name, { Arn: arn('cloudwatch', `alarm:${name}`) });
        break;
      }
    }
  }
  state.taps = await subscribeTaps({
    template,
    ctx,
    functions: ordered.filter(([, r]) => r.Type === 'AWS::Serverless::Function').map(([id]) => id),
    physical,
    sns: clients.sns,
    sqs: clients.sqs,
  });
  for (const client of Object.values(clients)) client.destroy();
  return state;
}

/** The version the emulator's first rotation of a secret stages as AWSPENDING (the sample events name it). */
export const SAMPLE_ROTATION_TOKEN = 'EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE';

/** GenerateSecretString as CloudFormation does it: a random password set into a JSON template's key. */
async function generatedSecretString(secrets: SecretsManagerClient, props: JsonObject): Promise<string> {
  if (typeof props.SecretString === 'string') return props.SecretString;
  const spec = (props.GenerateSecretString ?? {}) as JsonObject;
  const { RandomPassword } = await secrets.send(
    new GetRandomPasswordCommand({
      PasswordLength: Number(spec.PasswordLength ?? 32),
      ...(typeof spec.ExcludeCharacters === 'string' ? { ExcludeCharacters: spec.ExcludeCharacters } : {}),
    }),
  );
  if (typeof spec.SecretStringTemplate !== 'string' || typeof spec.GenerateStringKey !== 'string') {
    return String(RandomPassword);
  }
  return JSON.stringify({
    ...JSON.parse(spec.SecretStringTemplate),
    [spec.GenerateStringKey]: RandomPassword,
  });
}

async function createFunction(
  lambda: LambdaClient,
  state: EmulatorState,
  logicalId: string,
  props: JsonObject,
  template: Template,
  name: string,
  options: ProvisionOptions,
) {
  const globals = template.Globals?.Function ?? {};
  const setting = (key: string): Json | undefined => props[key] ?? globals[key];
  const environment = (props.Environment as JsonObject | undefined)?.Variables as
    | Record<string, string>
    | undefined;
  const base = {
    FunctionName: name,
    Role: String(props.Role ?? ''),
    Handler: String(props.Handler),
    Runtime: String(setting('Runtime') ?? 'nodejs22.x') as never,
    Architectures: (setting('Architectures') ?? ['arm64']) as never,
    Timeout: Number(setting('Timeout') ?? 3),
    MemorySize: Number(setting('MemorySize') ?? 128),
  };
  const created = await lambda.send(
    new CreateFunctionCommand({
      ...base,
      Code: { ZipFile: PLACEHOLDER_CODE },
      Description: String(props.Description ?? ''),
      ...(environment ? { Environment: { Variables: environment } } : {}),
    }),
  );
  state.resources[logicalId] = {
    type: 'AWS::Serverless::Function',
    ref: name,
    attributes: { Arn: String(created.FunctionArn) },
  };
  const alias = props.AutoPublishAlias;
  if (typeof alias !== 'string') return;
  // SAM publishes one version per deploy; a realistic estate has a history, so publish several,
  // each recording the git sha of "its" build in its description as the template's VersionDescription does.
  const count = Math.max(1, options.workloadVersions ?? 3);
  const versions: { version: string; gitSha: string }[] = [];
  for (let n = 1; n <= count; n++) {
    const gitSha = sampleGitSha(n);
    const description = `gitSha=${gitSha} buildId=local-${n}`;
    // Each version needs a configuration change, or Lambda (and moto) would not publish a new one.
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: name,
        Description: description,
        // GIT_SHA as the template's Globals set it from the GitSha parameter that also writes the description:
        // the build a version runs and the one its description records agree (the pre-traffic hook checks it).
        Environment: { Variables: { ...(environment ?? {}), SAMPLE_BUILD: String(n), GIT_SHA: gitSha } },
      }),
    );
    const published = await lambda.send(
      new PublishVersionCommand({ FunctionName: name, Description: description }),
    );
    versions.push({ version: String(published.Version), gitSha });
  }
  const live = versions[versions.length - 1] as { version: string };
  const { AliasArn } = await lambda.send(
    new CreateAliasCommand({ FunctionName: name, Name: alias, FunctionVersion: live.version }),
  );
  // SAM names the alias resource <Function>Alias<alias>; its Ref is the alias ARN.
  state.resources[`${logicalId}Alias${alias}`] = {
    type: 'AWS::Lambda::Alias',
    ref: String(AliasArn),
    attributes: { Arn: String(AliasArn) },
  };
  state.workload ??= { functionName: name, alias, versions };
}

export function resolveContext(template: Template, state: EmulatorState): ResolveContext {
  return {
    template,
    parameters: state.parameters,
    stackName: state.stackName,
    region: state.region,
    accountId: state.accountId,
    resources: state.resources,
  };
}

export function saveState(state: EmulatorState, path = stateFile): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`);
}

export function loadState(path = stateFile): EmulatorState | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as EmulatorState;
  } catch {
    return undefined;
  }
}

export function clearState(path = stateFile): void {
  rmSync(path, { force: true });
}
