// A full rotation of a vendor key pair (the four steps, in-process, against moto and the vendor stand-in):
// AWS calls and vendor calls per rotation, and wall time per step and per rotation. Only the handler's own
// work is timed; staging the rotation (RotateSecret, Secrets Manager's part) is not.
import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { countSharedClientCalls } from '../local/drill/counting.js';
import { provisionStack } from '../local/emulator/provision.js';
import { invokeFunction } from '../local/invoke.js';
import { emulatorEnv, startMoto } from '../local/moto.js';
import { withStdoutOnStderr } from '../local/output.js';
import { httpSecretValue, startVendor } from '../local/vendor.js';
import { printTable } from '../scripts/build.js';
import { type BenchSection, median } from './section.js';

const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

export const secretRotationBench: BenchSection = {
  name: 'secret-rotation',
  description: 'a full rotation of a vendor key pair: AWS and vendor calls, time per step and per rotation',
  async run({ runs }) {
    const moto = await startMoto();
    const vendor = await startVendor();
    const saved = { ...process.env };
    try {
      Object.assign(process.env, emulatorEnv(moto.endpoint));
      const state = await provisionStack({ endpoint: moto.endpoint, stackName: 'bench' });
      const functionArn = String(state.resources.SecretRotationFunction?.attributes.Arn);
      const secrets = new SecretsManagerClient({});
      const { ARN } = await secrets.send(
        new CreateSecretCommand({
          Name: 'bench-api-key',
          SecretString: httpSecretValue(vendor, vendor.issue()),
        }),
      );
      const counter = countSharedClientCalls();
      const perStep: Record<string, number[]> = Object.fromEntries(STEPS.map((step) => [step, []]));
      const perRotation: number[] = [];
      let calls: Record<string, number> = {};
      let vendorCalls: Record<string, number> = {};
      // One warm-up rotation (module load), then `runs` measured; from the second on, each revokes a key.
      for (let i = 0; i <= runs; i++) {
        const token = randomUUID();
        await secrets.send(
          new RotateSecretCommand({
            SecretId: ARN,
            ClientRequestToken: token,
            RotationLambdaARN: functionArn,
            RotationRules: { AutomaticallyAfterDays: 30 },
          }),
        );
        counter.reset();
        const vendorBefore = vendor.requests.length;
        let total = 0;
        for (const step of STEPS) {
          const started = performance.now();
          await withStdoutOnStderr(() =>
            invokeFunction({
              logicalId: 'SecretRotationFunction',
              event: { SecretId: ARN, ClientRequestToken: token, Step: step },
              state,
              envVars: { SecretRotationFunction: { POWERTOOLS_LOG_LEVEL: 'SILENT' } },
            }),
          );
          const elapsed = performance.now() - started;
          total += elapsed;
          if (i > 0) perStep[step]?.push(elapsed);
        }
        if (i > 0) perRotation.push(total);
        calls = counter.byOperation();
        vendorCalls = {};
        for (const request of vendor.requests.slice(vendorBefore)) {
          const key = `${request.method} ${request.path.replace(/key_\w+/, '{id}')} ${request.status}`;
          vendorCalls[key] = (vendorCalls[key] ?? 0) + 1;
        }
      }
      secrets.destroy();

      console.log('Calls per rotation (steady state: the next rotation revokes the previous key):');
      printTable(
        ['call', 'count'],
        [
          ...Object.entries(calls),
          ...Object.entries(vendorCalls).map(([op, n]) => [`vendor ${op}`, n] as const),
        ].map(([op, n]) => [op, String(n)]),
        'lr',
      );
      console.log('');
      const rows = STEPS.map((step) => [step, median(perStep[step] ?? []).toFixed(1)]);
      printTable(
        ['', `median of ${runs} (ms)`],
        [...rows, ['full rotation', median(perRotation).toFixed(1)]],
        'lr',
      );
      const round = (value: number) => Math.round(value * 10) / 10;
      return {
        awsCalls: calls,
        awsCallsPerRotation: Object.values(calls).reduce((sum, n) => sum + n, 0),
        vendorCalls,
        stepMedianMs: Object.fromEntries(STEPS.map((step) => [step, round(median(perStep[step] ?? []))])),
        rotationMedianMs: round(median(perRotation)),
      };
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
      await vendor.stop();
      await moto.stop();
    }
  },
};
