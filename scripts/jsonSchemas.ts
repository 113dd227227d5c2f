/**
 * The JSON Schemas editors read, generated from the valibot schemas the bridge validates with:
 * keybridge.schema.json for the CLI's config file, and package.json `contributes.configuration` for the
 * VS Code settings. scripts/generateSchemas.mjs writes them; test/unit/configSchemas.test.ts fails when the
 * committed files differ. The converter is a devDependency: only validation ships in the bundles.
 */
import { toJsonSchema, type ConversionConfig, type JsonSchema } from '@valibot/to-json-schema';
import { configFileSchema } from '../src/cli/fileSchema';
import { SETTINGS } from '../src/vscode/settings/settingsSchema';

const conversion: ConversionConfig = {
  // A check the converter cannot express must fail the generation, not vanish from the schema.
  errorMode: 'throw',
  // JSON has no Infinity (1e999 is the only way in, and reads as it): nothing for an editor to check.
  ignoreActions: ['finite'],
  // Pools, keys, routes and targets drop unknown fields at run time, as they always did; in an editor the
  // same objects are closed, so a misspelt field is flagged instead of silently doing nothing.
  overrideSchema: ({ valibotSchema, jsonSchema }) => (valibotSchema.type === 'object' ? { ...jsonSchema, additionalProperties: false } : undefined),
};

/** Drops what says nothing (`"required": []`) so the generated files read like hand-written ones. */
function tidy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(tidy);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'required' && Array.isArray(inner) && inner.length === 0) continue;
    out[key] = tidy(inner);
  }
  return out;
}

export function cliConfigJsonSchema(): JsonSchema {
  return tidy(toJsonSchema(configFileSchema, conversion)) as JsonSchema;
}

/** package.json `contributes.configuration`: one property per setting, as `keybridge.<name>`. */
export function settingsContribution(): { title: string; properties: Record<string, JsonSchema> } {
  const properties: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(SETTINGS)) {
    const { $schema: _draft, ...property } = toJsonSchema(schema, conversion);
    properties[`keybridge.${name}`] = tidy(property) as JsonSchema;
  }
  return { title: 'KeyBridge', properties };
}
