// What the fleet's integration tests share: the runbook's own account's clients, a quiet logger, and the
// ledger of a provisioned stack.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EmulatorState } from '../../local/emulator/provision.js';
import { AuditLedger } from '../../shared/audit.js';
import { type AccountClients, accountClients } from '../../shared/fleet/accounts.js';

/** The shared clients of the runbook's own account, as the fleet function gets them. */
export const homeClients = (): AccountClients => accountClients({ workloads: [], accounts: {} }, undefined);

export const quiet = { info: () => {}, warn: () => {} };

/** The audit ledger of a provisioned stack. */
export function ledgerOf(state: EmulatorState): AuditLedger {
  return new AuditLedger({
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({})),
    sns: new SNSClient({}),
    tableName: String(state.resources.AuditTable?.ref),
  });
}
