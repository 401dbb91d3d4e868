import type { Scenario } from '../scenario.js';
import { alarmScenarios } from './alarms.js';
import { approvalScenarios } from './approval.js';
import { canaryScenarios } from './canary.js';
import { deployScenarios } from './deploy.js';
import { dlqScenarios } from './dlq.js';
import { fleetScenarios } from './fleet.js';
import { freezeScenarios } from './freeze.js';
import { healthScenarios } from './health.js';
import { killSwitchScenarios } from './killswitch.js';
import { rollbackScenarios } from './rollback.js';
import { secretScenarios } from './secret.js';
import { timelineScenarios } from './timeline.js';

/** Every scenario of the game day, in the order an incident would need them. */
export const scenarios: Scenario[] = [
  ...healthScenarios,
  ...rollbackScenarios,
  ...killSwitchScenarios,
  ...alarmScenarios,
  ...dlqScenarios,
  ...secretScenarios,
  ...deployScenarios,
  ...canaryScenarios,
  ...fleetScenarios,
  ...freezeScenarios,
  ...approvalScenarios,
  // Last: the postmortem of everything above.
  ...timelineScenarios,
];
