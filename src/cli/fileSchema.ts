/**
 * The headless bridge's config file (`keybridge serve --config FILE`): the shared pool, route and tuning
 * schemas of core/configSchema.ts plus what only the file has, the listening port, the token variables, the
 * state file and keys named by environment variable. keybridge.schema.json is generated from it.
 */
import * as v from 'valibot';
import { defaultsSchema, DEFAULTS_FIELDS, objectMessage, poolEntries, routeSchema, targetSchema, testPathSchema, tuningSchema } from '../core/configSchema';
import { PRESET_IDS, PROVIDER_PRESETS } from '../core/providers/presets';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENV_MESSAGE = 'must name an environment variable that holds the key';
const POSITIVE = 'must be a positive number';

const NON_EMPTY = 'must be a non-empty string';
const text = (description: string) => v.pipe(v.string(NON_EMPTY), v.nonEmpty(NON_EMPTY), v.description(description));
const optionalString = (description: string) => v.optional(text(description));

const keySchema = v.object(
  {
    id: optionalString('Key id shown in logs and the status (default: the variable name).'),
    label: optionalString('Name shown in the status.'),
    env: v.pipe(
      v.string(ENV_MESSAGE),
      v.regex(ENV_NAME, ENV_MESSAGE),
      v.description('The environment variable that holds the key. Keys are never written in this file.'),
    ),
    weight: v.optional(
      v.pipe(v.number(POSITIVE), v.finite(POSITIVE), v.gtValue(0, POSITIVE), v.description('Share of requests with the "weighted" strategy.')),
    ),
  },
  objectMessage('{"id": "work", "env": "OPENAI_KEY_WORK"}'),
);

const PRESET = `must be one of ${PRESET_IDS.join(', ')}`;

const poolSchema = v.object(
  {
    ...poolEntries,
    // With a preset, the preset gives them (configFile.ts fills them in and then requires them).
    protocol: v.optional(poolEntries.protocol),
    baseUrl: v.optional(poolEntries.baseUrl),
    preset: v.optional(
      v.pipe(
        v.picklist(PRESET_IDS, PRESET),
        v.metadata({
          markdownDescription:
            'A known provider: fills in `protocol`, `baseUrl`, `headers`, `testPath`, `responses`, `prefill` and `dialect` where the pool gives none (its own values win).',
          enumDescriptions: PROVIDER_PRESETS.map((p) => `${p.label}: ${p.baseUrl}`),
        }),
      ),
    ),
    testPath: v.optional(testPathSchema),
    keys: v.optional(v.pipe(v.array(keySchema, 'must be an array'), v.description('The keys, each named by the environment variable that holds it.')), []),
  },
  objectMessage('{"id": "...", "preset": "..." or "protocol" and "baseUrl", "keys": [...]}'),
);

const PORT = 'must be an integer from 0 to 65535 (0 = any free port)';
const DAYS = 'must be a whole number of days from 1 to 3650';

const fileEntries = {
  $schema: v.optional(v.pipe(v.string('must be a string'), v.description('Path or URL of keybridge.schema.json, so editors complete and check this file.'))),
  port: v.optional(
    v.pipe(v.number(PORT), v.integer(PORT), v.minValue(0, PORT), v.maxValue(65535, PORT), v.description('Port on 127.0.0.1 (0 = any free port).')),
    0,
  ),
  tokenEnv: v.optional(text('Environment variable with the local access token (generated and printed when unset).'), 'KEYBRIDGE_TOKEN'),
  adminTokenEnv: v.optional(text('Environment variable with the status API token (the status API is closed when unset).'), 'KEYBRIDGE_ADMIN_TOKEN'),
  stateFile: optionalString('Where key health (never secrets) is kept across restarts; ~/ is the home folder.'),
  usageFile: optionalString(
    'Where the usage record of every request (never a key, prompt or answer) is kept; default: beside the state file (STATE.usage.jsonl); ~/ is the home folder.',
  ),
  usageRetentionDays: v.optional(
    v.pipe(
      v.number(DAYS),
      v.integer(DAYS),
      v.minValue(1, DAYS),
      v.maxValue(3650, DAYS),
      v.description('Days of usage history kept (raw records for 48 hours, then hourly and daily rollups).'),
    ),
    90,
  ),
  pools: v.pipe(
    v.array(poolSchema, 'must list at least one pool'),
    v.minLength(1, 'must list at least one pool'),
    v.description('Key pools: one provider account kind each.'),
  ),
  routes: v.optional(
    v.pipe(v.array(routeSchema, 'must be an array'), v.description('Routes by model; first match wins. Unmatched models use the default pool.')),
    [],
  ),
  defaults: v.optional(defaultsSchema),
  tuning: v.optional(tuningSchema),
};

const KNOWN = Object.keys(fileEntries).join(', ');

/** The fields each nested object of the file knows: the schema drops others, the file's reader names them (configNotices.ts). */
export const NESTED_FIELDS = {
  pool: Object.keys(poolSchema.entries),
  key: Object.keys(keySchema.entries),
  route: Object.keys(routeSchema.entries),
  target: Object.keys(targetSchema.entries),
  defaults: DEFAULTS_FIELDS,
};

export const configFileSchema = v.pipe(
  v.strictObject(fileEntries, (issue) =>
    issue.expected === 'never' ? `unknown field; known: ${KNOWN}` : issue.expected === 'Object' ? 'the config must be a JSON object' : 'is required',
  ),
  v.title('KeyBridge headless bridge config (keybridge serve --config FILE)'),
);
