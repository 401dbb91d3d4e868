// Where a local command's handler runs: a fresh emulator for this call (`--emulator`), or a running
// `runbook emulator`, whose stack description resolves the template's Refs to its resource names.
import { type EmulatorState, loadState, provisionStack } from '../local/emulator/provision.js';
import { emulatorEnv, startMoto } from '../local/moto.js';

export interface LocalStack {
  state?: EmulatorState;
  /** Stops the emulator this call started; nothing to do for a running one. */
  stop(): Promise<void>;
}

export async function localStack(startEmulator: boolean): Promise<LocalStack> {
  if (startEmulator) {
    const moto = await startMoto();
    Object.assign(process.env, emulatorEnv(moto.endpoint));
    return { state: await provisionStack({ endpoint: moto.endpoint }), stop: moto.stop };
  }
  const saved = process.env.AWS_ENDPOINT_URL ? loadState() : undefined;
  return {
    ...(saved && saved.endpoint === process.env.AWS_ENDPOINT_URL ? { state: saved } : {}),
    stop: async () => undefined,
  };
}
