import type { Context } from 'aws-lambda';
import { fromSnsAlarm, isSnsEvent } from './alarm.js';
import { fromApiGatewayV1, fromApiGatewayV2, isApiGatewayV1, isApiGatewayV2 } from './apigw.js';
import { fromDirect } from './direct.js';
import { fromSqs, isSqsEvent } from './queue.js';
import type { Door, Invocation } from './types.js';

export type {
  AlarmInvocation,
  ApiInvocation,
  DirectInvocation,
  Door,
  Invocation,
  QueueInvocation,
} from './types.js';

/** Which door an event came through, judged by its shape alone (it may still be malformed). */
export function doorOf(event: unknown): Door {
  if (isApiGatewayV2(event) || isApiGatewayV1(event)) return 'api';
  if (isSnsEvent(event)) return 'alarm';
  if (isSqsEvent(event)) return 'queue';
  return 'direct';
}

/** One typed Invocation out of any supported event. Throws ValidationError naming what is malformed. */
export function toInvocation(event: unknown, context: Pick<Context, 'awsRequestId'>): Invocation {
  if (isApiGatewayV2(event)) return fromApiGatewayV2(event);
  if (isApiGatewayV1(event)) return fromApiGatewayV1(event);
  if (isSnsEvent(event)) return fromSnsAlarm(event);
  if (isSqsEvent(event)) return fromSqs(event, context);
  return fromDirect(event, context);
}
