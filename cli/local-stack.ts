// Where a local command's handler runs: a fresh emulator for this call (`--emulator`), or a running
// `runbook emulator`, whose stack description resolves the template's Refs to its resource names.
// Either way the target is said on stderr first; a missing or silent emulator is refused (cli/target.ts).
import { type EmulatorState, provisionStack } from '../local/emulator/provision.js';
import { emulatorEnv, startMoto } from '../local/moto.js';
import { runningEmulator, sayTarget } from './target.js';

export interface LocalStack {
  state?: EmulatorState;
  /** Stops the emulator this call started; nothing to do for a running one. */
  stop(): Promise<void>;
}

/** `lenient`: `runbook invoke` (sam local invoke) also runs with no emulator, or one it has no stack for. */
export async function localStack(
  startEmulator: boolean,
  options: { lenient?: boolean } = {},
): Promise<LocalStack> {
  if (startEmulator) {
    const moto = await startMoto();
    Object.assign(process.env, emulatorEnv(moto.endpoint));
    sayTarget(
      `a throwaway emulator at ${moto.endpoint} (--emulator: provisioned for this command, stopped after)`,
    );
    try {
      return { state: await provisionStack({ endpoint: moto.endpoint }), stop: moto.stop };
    } catch (error) {
      await moto.stop();
      throw error;
    }
  }
  const target = await runningEmulator(options);
  if (!target)
    sayTarget('AWS, with your credentials (AWS_ENDPOINT_URL is not set): template Refs stay unset');
  else
    sayTarget(
      `emulator at ${target.endpoint} (from ${target.from})${
        target.state
          ? `, stack ${target.state.stackName}`
          : ': no stack description for it, template Refs stay unset'
      }`,
    );
  return { ...(target?.state ? { state: target.state } : {}), stop: async () => undefined };
}
