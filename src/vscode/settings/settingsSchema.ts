/**
 * The `keybridge.*` settings: the shared pool, route and tuning schemas of core/configSchema.ts plus what only
 * VS Code has (the port every window agrees on, the preset a pool came from, the terminal variables) and how
 * the settings editor shows them (scope, order). package.json `contributes.configuration` is generated from
 * it; bridgeConfig.ts checks the values with it. No `vscode` import, so the build script can load it.
 */
import * as v from 'valibot';
import { defaultsSchema, objectMessage, poolEntries, routeSchema, tuningSchema } from '../../core/configSchema';
import { NOTICE_LEVELS } from '../../core/notices/noticePolicy';
import { languageModelsSetting } from './lmModelSchema';
import { PROVIDER_PRESETS } from './providerPresets';

export const DEFAULT_PORT = 17381;

// Every window and every agent must agree on these, so none of them may differ per workspace.
const machine = (order: number, defaultValue: unknown) => ({ scope: 'machine', order, default: defaultValue });

const PORT = 'must be an integer from 1024 to 65535';

const portSetting = v.pipe(
  v.number(PORT),
  v.integer(PORT),
  v.minValue(1024, PORT),
  v.maxValue(65535, PORT),
  v.metadata({
    ...machine(0, DEFAULT_PORT),
    markdownDescription:
      'Port of the bridge on `127.0.0.1` (it never listens on other addresses). One VS Code window serves it and the others follow, so agents keep one URL: `http://127.0.0.1:<port>/openai/v1` and `http://127.0.0.1:<port>/anthropic`. The default, 17381, is not used by common developer tools; change it only if something else holds it.',
  }),
);

export const poolSetting = v.object(
  {
    ...poolEntries,
    // Informational (it picks the key-shape hint), so a name the presets lack is kept rather than
    // dropping the pool; the editor still offers and checks the preset names.
    provider: v.optional(
      v.pipe(
        v.string('must be a string'),
        v.metadata({ enum: PROVIDER_PRESETS.map((p) => p.id) }),
        v.description('The preset the pool was made from (decides the key-shape hint).'),
      ),
    ),
    // The mark of KeyBridge: Try with a Simulated Provider: such a pool is the demo's, never the user's config,
    // and Remove Simulated Provider (or the next activation, once the simulator is gone) takes it out again.
    demo: v.optional(
      v.pipe(
        v.boolean('must be true or false'),
        v.description('Set by **KeyBridge: Try with a Simulated Provider**: the pool serves a simulated provider and is removed with it.'),
      ),
    ),
  },
  objectMessage('{"id": "...", "protocol": "...", "baseUrl": "..."}'),
);

/** Each setting by its name under `keybridge.`, in the order the settings editor shows them. */
export const SETTINGS = {
  port: portSetting,
  pools: v.pipe(
    v.array(poolSetting),
    v.metadata({
      ...machine(1, []),
      markdownDescription:
        "Key pools: one provider account kind each. Usually filled by **KeyBridge: Add Pool**. Keys are never written here: **KeyBridge: Add Key(s)** keeps them in VS Code's secret storage.",
    }),
  ),
  routes: v.pipe(
    v.array(routeSchema),
    v.metadata({
      ...machine(2, []),
      markdownDescription:
        'Routes by model, first match wins: `{"protocol": "anthropic", "match": "claude-*", "targets": [{"pool": "anthropic"}, {"pool": "anthropic-backup", "model": "claude-sonnet-4-5"}]}`. Without a route, requests go to the protocol\'s default pool. A target whose pool speaks the other protocol is translated. **KeyBridge: Add Fallback to Route…** writes this list.',
    }),
  ),
  defaults: v.pipe(defaultsSchema, v.metadata(machine(3, {}))),
  tuning: v.pipe(tuningSchema, v.metadata(machine(4, {}))),
  terminalEnv: v.pipe(
    v.boolean('must be true or false'),
    v.metadata({
      order: 5,
      default: true,
      markdownDescription:
        "Set `ANTHROPIC_BASE_URL`, `ANTHROPIC_API_KEY`, `ANTHROPIC_AUTH_TOKEN`, `OPENAI_BASE_URL`, `OPENAI_API_BASE`, `OPENAI_API_KEY`, `GOOGLE_GEMINI_BASE_URL`, `GEMINI_API_KEY`, `KEYBRIDGE_URL` and `KEYBRIDGE_TOKEN` in new terminals, so agents started there use the bridge: a protocol's variables (`ANTHROPIC_*`, `OPENAI_*`, `GOOGLE_GEMINI_BASE_URL` and `GEMINI_API_KEY`) only while a pool or route can serve that protocol (its pool has a key), and none before any can. Terminals already open keep their environment.",
    }),
  ),
  notifications: v.pipe(
    v.picklist(NOTICE_LEVELS, 'must be "off", "keys" or "all"'),
    v.metadata({
      order: 6,
      default: 'keys',
      enumDescriptions: [
        'No notifications: the tree, the status bar and the dashboard show everything.',
        'A key refused by its provider or out of quota: the user has to act.',
        'Those, and a request that fell back to a pool of another protocol (translated).',
      ],
      markdownDescription: 'Which bridge events show a notification, in the window that serves the bridge: at most one per kind and pool every 10 minutes.',
    }),
  ),
  languageModels: languageModelsSetting,
};
