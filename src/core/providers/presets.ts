/**
 * Provider presets: what a pool for a known provider needs besides its keys, declared once for both hosts (the
 * Add Pool picker in VS Code, `"preset": "<id>"` in the headless config). Each OpenAI-compatible preset names its
 * dialect (dialect.ts), so translation never has to guess it from the base URL (docs/ARCHITECTURE.md §7).
 */
import type { Protocol } from '../config';
import type { PrefillStyle } from '../configSchema';
import type { DialectId } from './dialect';

export const PRESET_IDS = ['openai', 'anthropic', 'openrouter', 'groq', 'deepseek', 'mistral', 'xai', 'together', 'gemini', 'gemini-native'] as const;
export type PresetId = (typeof PRESET_IDS)[number];

/** The pool fields a preset fills in; a pool's own value wins over each. */
interface PresetPoolFields {
  protocol: Protocol;
  /** In the form the provider's SDK takes: OpenAI-compatible with the version path, Anthropic the server root. */
  baseUrl: string;
  headers?: Record<string, string>;
  /** The authenticated GET that tests a key, when the model list needs no key. */
  testPath?: string;
  /** False: Chat Completions only, no Responses API (Responses requests routed here are translated). */
  responses?: false;
  /** How the provider continues a started answer (continueOnCut), when not the protocol's default. */
  prefill?: PrefillStyle;
  /** How the provider's API differs from its protocol's reference (dialect.ts); Anthropic pools have none, Gemini's are `gemini`. */
  dialect?: DialectId;
}

export interface ProviderPreset extends PresetPoolFields {
  id: PresetId;
  label: string;
}

export const PROVIDER_PRESETS: readonly ProviderPreset[] = [
  { id: 'openai', label: 'OpenAI', protocol: 'openai', baseUrl: 'https://api.openai.com/v1', dialect: 'openai' },
  { id: 'anthropic', label: 'Anthropic', protocol: 'anthropic', baseUrl: 'https://api.anthropic.com' },
  {
    id: 'openrouter',
    label: 'OpenRouter',
    protocol: 'openai',
    baseUrl: 'https://openrouter.ai/api/v1',
    dialect: 'openrouter',
    // OpenRouter attributes traffic by these two optional headers.
    headers: { 'HTTP-Referer': 'https://github.com/keybridge/keybridge', 'X-Title': 'KeyBridge' },
    // OpenRouter lists models without a key; its key endpoint answers 401 for a bad one.
    testPath: '/key',
    // OpenRouter continues a trailing assistant message for the models that support it ("assistant prefill").
    prefill: 'assistant',
  },
  // Groq, xAI and OpenRouter serve /responses as well; the ones below without it speak Chat Completions only.
  { id: 'groq', label: 'Groq', protocol: 'openai', baseUrl: 'https://api.groq.com/openai/v1', dialect: 'groq' },
  {
    id: 'deepseek',
    label: 'DeepSeek',
    protocol: 'openai',
    baseUrl: 'https://api.deepseek.com/v1',
    dialect: 'deepseek',
    responses: false,
    // DeepSeek's prefix completion answers only on its beta base URL (https://api.deepseek.com/beta); a pool
    // pointed there may declare prefill "prefix". On this one a continuation gets the instruction.
  },
  {
    id: 'mistral',
    label: 'Mistral',
    protocol: 'openai',
    baseUrl: 'https://api.mistral.ai/v1',
    dialect: 'mistral',
    responses: false,
    // Mistral continues a last assistant message marked "prefix": true.
    prefill: 'prefix',
  },
  { id: 'xai', label: 'xAI', protocol: 'openai', baseUrl: 'https://api.x.ai/v1', dialect: 'xai' },
  {
    id: 'together',
    label: 'Together',
    protocol: 'openai',
    baseUrl: 'https://api.together.xyz/v1',
    dialect: 'together',
    // Together's /responses serves only a few listed models and keeps no stored responses; Chat serves them all.
    responses: false,
  },
  {
    id: 'gemini',
    label: 'Gemini (OpenAI-compatible)',
    protocol: 'openai',
    baseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai',
    dialect: 'gemini',
    responses: false,
  },
  // Gemini's own API: Gemini CLI's protocol, its rate-limit details (RetryInfo, QuotaFailure) and thought signatures
  // as they are. A new id: pools saved with `gemini` keep the OpenAI-compatible endpoint they were made for.
  { id: 'gemini-native', label: 'Gemini (native API)', protocol: 'gemini', baseUrl: 'https://generativelanguage.googleapis.com', dialect: 'gemini' },
];

export function presetById(id: string | undefined): ProviderPreset | undefined {
  return PROVIDER_PRESETS.find((p) => p.id === id);
}

const FILLED: readonly (keyof PresetPoolFields)[] = ['protocol', 'baseUrl', 'headers', 'testPath', 'responses', 'prefill', 'dialect'];

/** A pool's fields with its preset's filled in where the pool gives none (the pool's own always win). */
export function withPreset<P extends object>(pool: P, preset: ProviderPreset): P {
  const filled = { ...pool } as Record<string, unknown>;
  for (const field of FILLED) if (filled[field] === undefined && preset[field] !== undefined) filled[field] = preset[field];
  return filled as P;
}
