/**
 * The `keybridge.languageModels` setting: the KeyBridge models VS Code's model picker and `vscode.lm` see.
 * settingsSchema.ts puts it in package.json; offeredModels.ts reads it. No `vscode` import.
 */
import * as v from 'valibot';
import { PROTOCOLS } from '../../core/config';
import { PROTOCOL_ADAPTERS } from '../../core/protocols/table';
import { objectMessage } from '../../core/configSchema';

/** The vendor VS Code lists the models under; package.json `contributes.languageModelChatProviders` names it too. */
export const LANGUAGE_MODEL_VENDOR = 'keybridge';

/** What VS Code budgets a prompt against when the entry does not say: a common context size of current models. */
export const DEFAULT_MAX_INPUT_TOKENS = 128_000;
/** Also what an Anthropic request asks for as `max_tokens`, which Anthropic requires. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 8_192;

const POSITIVE = 'must be a positive integer';
const positive = (description: string) => v.optional(v.pipe(v.number(POSITIVE), v.integer(POSITIVE), v.minValue(1, POSITIVE), v.description(description)));

export const languageModelEntry = v.object(
  {
    id: v.optional(
      v.pipe(
        v.string('must be a non-empty string'),
        v.nonEmpty('must be a non-empty string'),
        v.description('Identifier other extensions select the model by (default: the model name).'),
      ),
    ),
    name: v.optional(
      v.pipe(
        v.string('must be a non-empty string'),
        v.nonEmpty('must be a non-empty string'),
        v.description('Name in the model picker (default: "<model> (KeyBridge)").'),
      ),
    ),
    protocol: v.pipe(
      v.picklist(PROTOCOLS, 'must be "openai", "anthropic" or "gemini"'),
      v.description('The protocol the request is sent to the bridge in; its routes and default pool then apply.'),
      v.metadata({ enumDescriptions: PROTOCOL_ADAPTERS.map((a) => `${a.label} ${a.formats[0].label} (${a.clientPrefix}${a.formats[0].path})`) }),
    ),
    model: v.pipe(
      v.string('must be a non-empty string'),
      v.nonEmpty('must be a non-empty string'),
      v.description('The model name sent to the bridge, as an agent would send it; routes match on it.'),
    ),
    maxInputTokens: positive(`Context the model accepts, in tokens (default ${DEFAULT_MAX_INPUT_TOKENS}).`),
    maxOutputTokens: positive(`Longest answer, in tokens; Anthropic requests ask for this as max_tokens (default ${DEFAULT_MAX_OUTPUT_TOKENS}).`),
    toolCalling: v.optional(v.pipe(v.boolean('must be true or false'), v.description('Whether VS Code may pass tools to this model (default true).'))),
    imageInput: v.optional(
      v.pipe(v.boolean('must be true or false'), v.description('Whether VS Code may attach images (default false: not every provider takes them).')),
    ),
  },
  objectMessage('{"protocol": "anthropic", "model": "claude-sonnet-4-5"}'),
);

/** The setting as package.json declares it. No default: unset means "one model per route with a concrete model". */
export const languageModelsSetting = v.pipe(
  v.array(languageModelEntry),
  v.metadata({
    order: 6,
    markdownDescription:
      'KeyBridge models in VS Code\'s model picker (Copilot Chat) and for extensions using `vscode.lm`: `[{"protocol": "anthropic", "model": "claude-sonnet-4-5"}]`. Each request goes through the bridge, so its routes, key rotation and failover apply. **Unset**: one model per route whose `match` is a concrete model name (no `*`). `[]` offers none.',
  }),
);

export type LanguageModelEntry = v.InferOutput<typeof languageModelEntry>;
