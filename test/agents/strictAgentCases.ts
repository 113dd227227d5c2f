import { randomBytes } from 'node:crypto';
import type { StrictDialect } from '../fakeProvider/fakeProvider';
import {
  agentFinished,
  agentLines,
  bridgeUrls,
  check,
  KEY_IDS,
  modelRequests,
  POOL_OF,
  quote,
  rateLimitFault,
  runTurns,
  timeline,
  toolResponder,
  translatedToolOutputs,
  withFreshBridge,
  writeNonceFiles,
  type AgentCase,
} from './agentCases';

/** The model each strict pool is asked for: names that switch the provider's reasoning rules on. */
const STRICT_MODEL: Partial<Record<StrictDialect, string>> = { deepseek: 'deepseek-v4-flash', gemini: 'gemini-3-pro-preview', groq: 'openai/gpt-oss-120b' };

const STRICT_KEY_ENV = 'KB_AGENTS_STRICT_K1';

/**
 * The agent's own pool has every key rate-limited for a minute; the route falls back to a Chat-only pool whose
 * provider the fake plays strictly — DeepSeek's thinking mode (`reasoning_content` back on the turns of an open
 * tool loop), Gemini 3 (each function call's thought signature back), Groq (no reasoning fields back). Two tool
 * round trips must complete: the reasoning state of the first answers has to come back through the agent's own
 * protocol where the provider needs it, and stay away where it refuses it (issue 20, item 3).
 */
function strictFallback(dialect: StrictDialect): AgentCase {
  return {
    id: `strict-${dialect}`,
    title: `own pool exhausted, fallback to a strict ${dialect} pool: two tool round trips`,
    async run(ctx) {
      const own = ctx.agent.protocol;
      const routes = [{ protocol: own, match: '*', targets: [{ pool: POOL_OF[own] }, { pool: 'strict', model: STRICT_MODEL[dialect] }] }];
      const secret = `sk-fake-strict-${dialect}-${randomBytes(12).toString('hex')}`;
      const strictPool = {
        id: 'strict',
        protocol: 'openai',
        baseUrl: ctx.fake.dialectBaseUrl(dialect),
        strategy: 'fill-first',
        responses: false,
        // Declared, as a preset will (issue 20): translation reads the dialect, never the URL.
        dialect,
        keys: [{ id: 'k1', env: STRICT_KEY_ENV }],
      };
      return withFreshBridge(
        ctx,
        // The run folder's name: without the provider's name, which Claude Code masks in paths as if a key.
        'fallback',
        routes,
        async ({ dirs, bridge, saw, checks }) => {
          ctx.fake.reset();
          for (const id of KEY_IDS) ctx.fake.always(ctx.secrets[own][id], rateLimitFault(own, 60));
          const files = writeNonceFiles(dirs, 2);
          const respond = toolResponder(ctx, dirs, files, undefined, translatedToolOutputs);
          ctx.fake.setResponder((req) => respond(req.body));
          const t0 = Date.now();
          const run = await runTurns(ctx, dirs, bridgeUrls(bridge), 'Read note1.txt, then note2.txt, and tell me what they say.');
          const strict = modelRequests(ctx.fake).filter((e) => e.dialect === dialect);
          saw.push(...agentLines(run), ...timeline(ctx, bridge, modelRequests(ctx.fake), t0));
          for (const [i, e] of strict.entries()) if (e.refusal) saw.push(`${dialect} request ${i + 1} refused ${e.status}: ${quote(e.refusal, 400)}`);
          agentFinished(checks, run);
          const carried = files.map((f) => strict.some((e) => translatedToolOutputs(e.body).some((text) => text.includes(f.nonce))));
          check(checks, carried.every(Boolean), `both tool outputs reached the ${dialect} pool (${carried.map((c) => (c ? 'yes' : 'no')).join(', ')})`);
          check(
            checks,
            strict.length >= 3 && strict.every((e) => e.status === 200),
            `three or more requests to the strict ${dialect} pool, every one taken (${strict.map((e) => e.status).join(', ')})`,
          );
          check(
            checks,
            files.every((f) => run.outcome.text.includes(f.nonce)),
            `the final answer quotes both tool outputs (${files.map((f) => f.nonce).join(', ')})`,
          );
          const state = CARRIED[dialect];
          if (state) {
            const turns = strict.flatMap((e) =>
              ((e.body as { messages?: AssistantTurn[] }).messages ?? []).filter((m) => m.role === 'assistant' && (m.tool_calls?.length ?? 0) > 0),
            );
            check(checks, turns.length > 0 && turns.every(state.holds), `${state.what} (${turns.length} assistant tool-call turns sent back)`);
          }
        },
        { pools: [strictPool], env: { [STRICT_KEY_ENV]: secret } },
      );
    },
  };
}

interface AssistantTurn {
  role: string;
  reasoning_content?: unknown;
  tool_calls?: { extra_content?: { google?: { thought_signature?: unknown } } }[];
}

/** What the provider gave with each tool call, back as it gave it: more than the provider enforces. */
const CARRIED: Partial<Record<StrictDialect, { what: string; holds: (m: AssistantTurn) => boolean }>> = {
  deepseek: {
    what: "DeepSeek's reasoning came back with each of its tool calls",
    holds: (m) => typeof m.reasoning_content === 'string' && m.reasoning_content.startsWith('Reasoning about reply'),
  },
  gemini: {
    what: "Gemini's own thought signature came back with each of its tool calls, not the stand-in",
    holds: (m) => {
      const signature = m.tool_calls?.[0]?.extra_content?.google?.thought_signature;
      return typeof signature === 'string' && signature !== 'skip_thought_signature_validator';
    },
  },
};

/**
 * In `npm run test:agents`: a strict Groq pool, which refuses reasoning fields sent back to it; DeepSeek's thinking
 * mode and Gemini 3, which refuse the second tool turn without their reasoning (before issue 20's translation, both
 * agents failed there on the first tool result).
 */
export const STRICT_AGENT_CASES: readonly AgentCase[] = [strictFallback('groq'), strictFallback('deepseek'), strictFallback('gemini')];
