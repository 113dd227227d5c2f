// The JSON Schemas editors read are generated from the schemas the bridge validates with
// (scripts/jsonSchemas.ts). These tests fail when a committed copy drifts from its source, or when the
// generation loses what the settings editor and --help rely on (a default, a range, a description).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliConfigJsonSchema, settingsContribution } from '../../scripts/jsonSchemas';
import { TUNING_KNOB_NAMES, TUNING_KNOBS } from '../../src/core/configSchema';
import { loadServeConfig } from '../../src/cli/configFile';
import { must } from '../helpers/must';

const root = join(__dirname, '..', '..', '..');
const readJson = (path: string): unknown => JSON.parse(readFileSync(join(root, path), 'utf8'));
const REGENERATE = 'generated from the schemas in src/: run `npm run schemas` and commit the result';

interface Property {
  type?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  description?: string;
  markdownDescription?: string;
  properties?: Record<string, Property>;
  items?: Property;
}

describe('generated configuration schemas', () => {
  it('package.json contributes.configuration is the one generated from the settings schema', () => {
    const manifest = readJson('package.json') as { contributes: { configuration: unknown } };
    assert.deepEqual(manifest.contributes.configuration, settingsContribution(), `package.json contributes.configuration is ${REGENERATE}`);
  });

  it('keybridge.schema.json is the one generated from the config file schema', () => {
    assert.deepEqual(readJson('keybridge.schema.json'), cliConfigJsonSchema(), `keybridge.schema.json is ${REGENERATE}`);
  });

  it('loads every example config the README shows, cross-protocol routes included', () => {
    const env = {
      OPENAI_KEY_WORK: 'sk-a',
      OPENAI_KEY_PERSONAL: 'sk-b',
      ANTHROPIC_KEY_TEAM: 'sk-ant-c',
      ANTHROPIC_KEY_BACKUP: 'sk-ant-d',
      ANTHROPIC_KEY_PERSONAL: 'sk-ant-e',
      OPENROUTER_KEY: 'sk-or-f',
      GEMINI_KEY: 'AIza-g',
    };
    for (const name of ['keybridge.json', 'claude-code-fallback.json']) {
      const loaded = loadServeConfig(join(root, 'examples', name), env);
      assert.ok(
        loaded.bridge.pools.every((p) => p.keys.length > 0),
        name,
      );
    }
    const fallback = loadServeConfig(join(root, 'examples', 'claude-code-fallback.json'), env).bridge;
    assert.deepEqual(
      fallback.routes[0].targets.map((t) => fallback.pools.find((p) => p.id === t.pool)?.protocol),
      ['anthropic', 'openai', 'openai'],
    );
    assert.equal(fallback.pools.find((p) => p.id === 'gemini')?.responses, false);
  });

  it('points the example config at keybridge.schema.json by a relative path an editor can follow', () => {
    const example = readJson('examples/keybridge.json') as { $schema?: string };
    assert.equal(typeof example.$schema, 'string', 'examples/keybridge.json names its schema');
    assert.ok(existsSync(join(root, 'examples', example.$schema as string)), `${example.$schema} exists relative to examples/`);
    assert.equal(join(root, 'examples', example.$schema as string), join(root, 'keybridge.schema.json'));
  });

  it('gives every tuning knob its default, range and description in both schemas', () => {
    const settingsTuning = settingsContribution().properties['keybridge.tuning'] as Property;
    const fileTuning = (cliConfigJsonSchema() as Property).properties?.tuning;
    for (const tuning of [settingsTuning, fileTuning]) {
      assert.deepEqual(Object.keys(tuning?.properties ?? {}), TUNING_KNOB_NAMES);
      for (const name of TUNING_KNOB_NAMES) {
        const knob: { default: number; min: number; max?: number } = TUNING_KNOBS[name];
        const property = must(tuning?.properties?.[name], `the schema of ${name}`);
        assert.equal(property.default, knob.default, `${name} default`);
        assert.equal(property.minimum, knob.min, `${name} minimum`);
        assert.equal(property.maximum, knob.max, `${name} maximum`);
        assert.ok(property.description?.startsWith(TUNING_KNOBS[name].meaning), `${name} says what it means`);
      }
    }
  });

  it('describes every setting, and every field of a pool and a route', () => {
    for (const [name, property] of Object.entries(settingsContribution().properties) as [string, Property][]) {
      assert.ok(property.description || property.markdownDescription, `${name} is described`);
      for (const [field, inner] of Object.entries(property.items?.properties ?? {})) {
        assert.ok(inner.description || inner.markdownDescription, `${name}.${field} is described`);
      }
    }
  });
});
