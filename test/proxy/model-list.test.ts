// Guards model discovery: `GET …/v1/models` lists the models the routes name, in each protocol's shape, merged with
// the default pool's own list, so agents' pickers (Claude Code's `/model` "From gateway", the SDKs' models.list())
// offer a route's model names. Later pages are the provider's alone; with no provider list the routes' models stand.
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { keysSeen, startHarness, TOKEN, type Harness } from '../helpers/harness';
import type { FakeProvider } from '../fakeProvider/fakeProvider';
import type { PoolSpec, RouteSpec } from '../../src/core/config';

const pools = (p: FakeProvider): PoolSpec[] => [
  { id: 'anthropic-main', protocol: 'anthropic', baseUrl: p.anthropicBaseUrl, strategy: 'fill-first', keys: [{ id: 'k1', secret: 'an-key-1' }] },
  { id: 'deepseek', protocol: 'openai', baseUrl: p.openaiBaseUrl, strategy: 'fill-first', responses: false, keys: [{ id: 'k1', secret: 'oa-key-1' }] },
];

const routes: RouteSpec[] = [
  { protocol: 'anthropic', match: 'claude-kb-fast', targets: [{ pool: 'anthropic-main' }, { pool: 'deepseek', model: 'deepseek-chat' }] },
  // A wildcard names no model of its own; its target model is reached by name only through this route.
  { protocol: 'anthropic', match: 'claude-kb-*', targets: [{ pool: 'deepseek', model: 'claude-kb-deep' }] },
  {
    protocol: 'openai',
    match: 'team-coder',
    targets: [
      { pool: 'deepseek', model: 'deepseek-coder' },
      { pool: 'anthropic-main', model: 'claude-sonnet-4-5' },
    ],
  },
];

const anthropicHeaders = { 'x-api-key': TOKEN, 'anthropic-version': '2023-06-01' };

async function getJson(url: string, headers: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { headers });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const ids = (json: Record<string, unknown>): string[] => (json.data as { id: string }[]).map((m) => m.id);

describe('model discovery', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness({ pools, routes })));
  afterEach(async () => h.close());

  it("lists the routes' models first in Anthropic's shape, then the default pool's own", async () => {
    const { status, json } = await getJson(`${h.anthropicBase}/v1/models?limit=1000`, anthropicHeaders);
    assert.equal(status, 200);
    const listed = ids(json);
    // claude-kb-deep: asked for by name it matches `claude-kb-*`, whose target serves it. deepseek-chat is not offered:
    // an Anthropic client asking for it would reach the default pool, not DeepSeek.
    assert.deepEqual(listed.slice(0, 2), ['claude-kb-fast', 'claude-kb-deep']);
    assert.ok(!listed.includes('deepseek-chat'));
    assert.ok(listed.length > 2, 'the provider list follows');
    const first = (json.data as Record<string, unknown>[])[0];
    assert.equal(first.type, 'model');
    assert.equal(first.display_name, 'claude-kb-fast · KeyBridge: anthropic-main → deepseek');
    assert.equal(typeof first.created_at, 'string');
    assert.equal(json.first_id, 'claude-kb-fast');
    assert.equal(json.last_id, listed.at(-1));
    assert.equal(json.has_more, false);
    assert.equal(new Set(listed).size, listed.length, 'no model twice');
    // The provider's list was asked for with the pool key and the client's query.
    assert.deepEqual(keysSeen(h.provider), ['an-key-1']);
  });

  it("lists the routes' models in OpenAI's shape, for the real SDK", async () => {
    const client = new OpenAI({ baseURL: h.openaiBase, apiKey: TOKEN, maxRetries: 0, timeout: 10_000 });
    const listed: OpenAI.Models.Model[] = [];
    for await (const model of client.models.list()) listed.push(model);
    // deepseek-coder is offered: asked for by name it reaches the default pool, which is its target's pool.
    // claude-sonnet-4-5 is not: by name it would reach DeepSeek, not the Anthropic pool the route names.
    assert.deepEqual(
      listed.slice(0, 2).map((m) => m.id),
      ['team-coder', 'deepseek-coder'],
    );
    assert.ok(!listed.some((m) => m.id === 'claude-sonnet-4-5'));
    assert.equal(listed[0].owned_by, 'team-coder · KeyBridge: deepseek → anthropic-main');
    assert.equal(listed[0].object, 'model');
    assert.ok(
      listed.some((m) => m.id === 'gpt-4o-mini'),
      "the default pool's own models follow",
    );
  });

  it('reaches the Anthropic SDK as a list it reads', async () => {
    const client = new Anthropic({ baseURL: h.anthropicBase, apiKey: TOKEN, maxRetries: 0, timeout: 10_000 });
    const page = await client.models.list({ limit: 1000 });
    assert.deepEqual(
      page.data.slice(0, 2).map((m) => [m.id, m.display_name]),
      [
        ['claude-kb-fast', 'claude-kb-fast · KeyBridge: anthropic-main → deepseek'],
        ['claude-kb-deep', 'claude-kb-deep · KeyBridge: deepseek'],
      ],
    );
  });

  it('leaves later pages to the provider', async () => {
    const { status, json } = await getJson(`${h.anthropicBase}/v1/models?limit=2&after_id=claude-opus-4-1`, anthropicHeaders);
    assert.equal(status, 200);
    assert.ok(!ids(json).includes('claude-kb-fast'));
  });

  it("answers the routes' models alone when the default pool's list cannot be had", async () => {
    h.provider.always('an-key-1', { kind: 'invalidKey' });
    const { status, json } = await getJson(`${h.anthropicBase}/v1/models`, anthropicHeaders);
    assert.equal(status, 200);
    assert.deepEqual(ids(json), ['claude-kb-fast', 'claude-kb-deep']);
    assert.equal(json.first_id, 'claude-kb-fast');
    assert.equal(json.last_id, 'claude-kb-deep');
    assert.ok(
      h.logs.some((line) => line.includes("the routes' models only")),
      h.logs.join('\n'),
    );
  });
});

describe('model discovery without routes', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness()));
  afterEach(async () => h.close());

  it("passes the provider's list through unchanged", async () => {
    const through = await fetch(`${h.openaiBase}/models`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const direct = await fetch(`${h.provider.openaiBaseUrl}/models`, { headers: { authorization: 'Bearer oa-key-1' } });
    assert.equal(through.status, 200);
    assert.equal(await through.text(), await direct.text());
  });
});
