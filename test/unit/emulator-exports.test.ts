import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  emulatorExports,
  exportLines,
  readExportsFile,
  shellQuote,
  variableFor,
  writeExportsFile,
} from '../../local/emulator/exports.js';
import { defaultStateDir, type EmulatorState } from '../../local/emulator/provision.js';

const state: EmulatorState = {
  endpoint: 'http://127.0.0.1:41957',
  stackName: 'runbook-local',
  region: 'us-east-1',
  accountId: '123456789012',
  parameters: {},
  skipped: {},
  resources: {
    WorkloadFunction: {
      type: 'AWS::Serverless::Function',
      ref: 'runbook-local-WorkloadFunction',
      attributes: {},
    },
    AuditTable: { type: 'AWS::DynamoDB::Table', ref: 'runbook-local-AuditTable', attributes: {} },
    WorkloadDLQ: {
      type: 'AWS::SQS::Queue',
      ref: 'http://127.0.0.1:41957/123456789012/runbook-local-WorkloadDLQ',
      attributes: {},
    },
    SampleApiKeySecret: {
      type: 'AWS::SecretsManager::Secret',
      ref: 'runbook-local-sample-api-key',
      attributes: {},
    },
    WorkloadRole: { type: 'AWS::IAM::Role', ref: 'runbook-local-WorkloadRole', attributes: {} },
  },
};

describe('emulator exports', () => {
  it('point the SDK and both AWS CLIs at the emulator and name the stack and what an operator types', () => {
    // Act
    const exports = Object.fromEntries(emulatorExports(state));

    // Assess
    expect(exports).toEqual({
      AWS_ENDPOINT_URL: 'http://127.0.0.1:41957',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_MAX_ATTEMPTS: '1',
      RUNBOOK_STACK_NAME: 'runbook-local',
      RUNBOOK_AUDIT_TABLE: 'runbook-local-AuditTable',
      RUNBOOK_SAMPLE_API_KEY_SECRET: 'runbook-local-sample-api-key',
      RUNBOOK_WORKLOAD_DLQ: 'http://127.0.0.1:41957/123456789012/runbook-local-WorkloadDLQ',
      RUNBOOK_WORKLOAD_FUNCTION: 'runbook-local-WorkloadFunction',
    });
    expect(exportLines(state)[0]).toBe('export AWS_ENDPOINT_URL=http://127.0.0.1:41957');
  });

  it('writes a file a POSIX shell sources into exactly those variables', () => {
    // Prepare
    const path = join(mkdtempSync(join(tmpdir(), 'exports-')), 'nested', 'emulator.env');

    // Act
    writeExportsFile(state, path);
    const sourced = execFileSync(
      'sh',
      ['-c', `. "$1" && echo "$AWS_DEFAULT_REGION|$AWS_ENDPOINT_URL|$RUNBOOK_WORKLOAD_FUNCTION"`, 'sh', path],
      { encoding: 'utf8', env: { PATH: process.env.PATH } },
    );

    // Assess
    expect(sourced.trim()).toBe('us-east-1|http://127.0.0.1:41957|runbook-local-WorkloadFunction');
    expect(readFileSync(path, 'utf8')).toMatch(/^# lambda-runbook emulator at http:\/\/127\.0\.0\.1:41957/);
    expect(readExportsFile(path)).toEqual(
      Object.fromEntries(emulatorExports(state, { stateDir: dirname(path) })),
    );
  });

  it('point CloudWatch at the emulator’s stand-in, for the alarm history the timeline reads', () => {
    // Act
    const exports = emulatorExports({ ...state, cloudwatchEndpoint: 'http://127.0.0.1:41958' });

    // Assess: right after the endpoint every other service uses
    expect(exports.slice(0, 2)).toEqual([
      ['AWS_ENDPOINT_URL', 'http://127.0.0.1:41957'],
      ['AWS_ENDPOINT_URL_CLOUDWATCH', 'http://127.0.0.1:41958'],
    ]);
  });

  it('export RUNBOOK_STATE_DIR when the state is elsewhere than .runbook/, so that sourcing the file is enough', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'exports-'));
    const path = join(dir, 'emulator.env');

    // Act
    writeExportsFile(state, path);
    const sourced = execFileSync('sh', ['-c', '. "$1" && printf %s "$RUNBOOK_STATE_DIR"', 'sh', path], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    const atDefault = Object.fromEntries(emulatorExports(state, { stateDir: defaultStateDir }));
    const unsaid = Object.fromEntries(emulatorExports(state));

    // Assess
    expect(sourced).toBe(dir);
    expect(atDefault.RUNBOOK_STATE_DIR).toBeUndefined();
    expect(unsaid.RUNBOOK_STATE_DIR).toBeUndefined();
  });

  it('quotes what the shell would split or expand, and reads it back unchanged', () => {
    // Prepare
    const path = join(mkdtempSync(join(tmpdir(), 'exports-')), 'emulator.env');
    const odd = { ...state, stackName: "it's $HOME; `x`" };

    // Act
    writeExportsFile(odd, path);
    const sourced = execFileSync('sh', ['-c', '. "$1" && printf %s "$RUNBOOK_STACK_NAME"', 'sh', path], {
      encoding: 'utf8',
    });

    // Assess
    expect(sourced).toBe("it's $HOME; `x`");
    expect(readExportsFile(path)?.RUNBOOK_STACK_NAME).toBe("it's $HOME; `x`");
    expect(shellQuote('us-east-1')).toBe('us-east-1');
  });

  it('names variables after the logical id', () => {
    expect(variableFor('WorkloadDLQ')).toBe('RUNBOOK_WORKLOAD_DLQ');
    expect(variableFor('AuditTable')).toBe('RUNBOOK_AUDIT_TABLE');
  });

  it('reads no file as no emulator', () => {
    expect(readExportsFile(join(tmpdir(), 'no-such-dir', 'emulator.env'))).toBeUndefined();
  });
});
