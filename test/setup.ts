import { inject } from 'vitest';
import { assertLoopbackEndpoint, emulatorEnv } from '../local/moto.js';

// Runs in each worker before its test files: every SDK client created by a test talks to the shared moto.
Object.assign(process.env, emulatorEnv(inject('motoEndpoint')));
assertLoopbackEndpoint();
