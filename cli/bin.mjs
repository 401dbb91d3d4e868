#!/usr/bin/env node
// `npx runbook …`: the CLI is TypeScript, run through tsx so the repository needs no separate build step.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
