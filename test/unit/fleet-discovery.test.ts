// Tag discovery through the Resource Groups Tagging API (aws-sdk-client-mock: moto without Docker lists no
// Lambda function there): the exact query, paging, a bad tag ignored with its reason, member accounts asked
// through their own clients, and the merged list the fleet function acts on.
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { watchedWorkloads } from '../../functions/fleet/watched.js';
import { discoverTagged, MAX_DISCOVERY_PAGES } from '../../shared/fleet/discover.js';

const arn = (account: string, name: string) => `arn:aws:lambda:us-east-1:${account}:function:${name}`;
const tags = (pairs: Record<string, string>) => Object.entries(pairs).map(([Key, Value]) => ({ Key, Value }));

describe('discoverTagged', () => {
  it('asks for tagged Lambda functions page by page, and says why a bad tag is not a workload', async () => {
    // Prepare
    const tagging = mockClient(ResourceGroupsTaggingAPIClient);
    tagging
      .on(GetResourcesCommand, { PaginationToken: undefined })
      .resolves({
        ResourceTagMappingList: [
          {
            ResourceARN: arn('123456789012', 'pay'),
            Tags: tags({ 'runbook:watch': 'pay', team: 'payments' }),
          },
        ],
        PaginationToken: 'next',
      })
      .on(GetResourcesCommand, { PaginationToken: 'next' })
      .resolves({
        ResourceTagMappingList: [
          { ResourceARN: arn('123456789012', 'odd'), Tags: tags({ 'runbook:watch': 'Not A Name' }) },
        ],
      });

    // Act
    const found = await discoverTagged(new ResourceGroupsTaggingAPIClient({}));

    // Assess
    expect(tagging.commandCalls(GetResourcesCommand)[0]?.args[0].input).toEqual({
      ResourceTypeFilters: ['lambda:function'],
      TagFilters: [{ Key: 'runbook:watch' }],
      ResourcesPerPage: 100,
    });
    expect(found.workloads).toMatchObject([
      { name: 'pay', functionName: 'pay', tags: { team: 'payments' }, source: 'tags' },
    ]);
    expect(found.ignored).toEqual([
      { arn: arn('123456789012', 'odd'), why: expect.stringContaining('is not a workload name') },
    ]);
    tagging.restore();
  });
});

describe('watchedWorkloads', () => {
  it('merges the file, the stack’s workload and the tagged functions of each account, asked through its own client', async () => {
    // Prepare
    const home = mockClient(ResourceGroupsTaggingAPIClient);
    home.on(GetResourcesCommand).resolves({
      ResourceTagMappingList: [
        { ResourceARN: arn('123456789012', 'new-fn'), Tags: tags({ 'runbook:watch': 'new' }) },
        { ResourceARN: arn('123456789012', 'orders-fn'), Tags: tags({ 'runbook:watch': 'orders-dup' }) },
      ],
    });
    const homeClient = new ResourceGroupsTaggingAPIClient({});
    const memberClient = {
      send: async () => ({
        ResourceTagMappingList: [
          { ResourceARN: arn('222222222222', 'm-fn'), Tags: tags({ 'runbook:watch': 'member' }) },
        ],
      }),
    };
    const asked: (string | undefined)[] = [];
    const list = watchedWorkloads({
      file: {
        accounts: [{ id: '222222222222', roleArn: 'arn:aws:iam::222222222222:role/lambda-runbook-member' }],
        workloads: [{ name: 'orders', functionName: 'orders-fn' }],
      },
      env: { WATCHED_FUNCTION: 'stack-fn' },
      tagging: async (account) => {
        asked.push(account);
        return (account ? memberClient : homeClient) as never;
      },
      logger: { warn: () => {} },
    });

    // Act
    const watched = await list();

    // Assess
    expect(asked).toEqual([undefined, '222222222222']);
    expect(
      watched.workloads.map((workload) => [workload.name, workload.account ?? 'self', workload.source]),
    ).toEqual([
      ['orders', 'self', 'file'],
      ['workload', 'self', 'stack'],
      ['new', 'self', 'tags'],
      ['member', '222222222222', 'tags'],
    ]);
    home.restore();
  });

  it('says in the log when discovery stopped with tagged functions unread, and how many it read', async () => {
    // Prepare: an account whose listing never ends
    let page = 0;
    const endless = {
      send: async () => {
        page++;
        return {
          ResourceTagMappingList: [
            { ResourceARN: arn('123456789012', `fn-${page}`), Tags: tags({ 'runbook:watch': `w${page}` }) },
          ],
          PaginationToken: `p${page}`,
        };
      },
    };
    const warnings: unknown[] = [];
    const list = watchedWorkloads({
      file: { workloads: [] },
      env: {},
      tagging: async () => endless as never,
      logger: { warn: (...args: unknown[]) => warnings.push(args) },
    });

    // Act
    const watched = await list();

    // Assess
    expect(page).toBe(MAX_DISCOVERY_PAGES);
    expect(watched.workloads).toHaveLength(MAX_DISCOVERY_PAGES);
    expect(warnings).toEqual([
      [
        'tag discovery stopped: the tagged functions past these are not watched',
        { account: 'self', read: MAX_DISCOVERY_PAGES, why: expect.stringContaining('watchlist.json') },
      ],
    ]);
  });

  it('keeps the declared workloads when discovery fails, and names the account in the log', async () => {
    // Prepare
    const warnings: unknown[] = [];
    const list = watchedWorkloads({
      file: { workloads: [{ name: 'orders', functionName: 'orders-fn' }] },
      env: {},
      tagging: async () => ({ send: async () => Promise.reject(new Error('AccessDenied')) }) as never,
      logger: { warn: (...args: unknown[]) => warnings.push(args) },
    });

    // Act
    const watched = await list();

    // Assess
    expect(watched.workloads.map((workload) => workload.name)).toEqual(['orders']);
    expect(warnings).toEqual([
      ['tag discovery failed', { account: 'self', reason: expect.stringContaining('AccessDenied') }],
    ]);
  });
});
