import type { Scenario } from '../scenario.js';
import { dlqScenarios } from './dlq.js';
import { healthScenarios } from './health.js';
import { rollbackScenarios } from './rollback.js';

/** Every scenario of the game day, in the order an incident would need them. */
export const scenarios: Scenario[] = [...healthScenarios, ...rollbackScenarios, ...dlqScenarios];
