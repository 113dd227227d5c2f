import type { Protocol } from '../core/config';
import type { PrefillStyle } from '../core/configSchema';
import { keyStarts, PROVIDER_KEY_ISSUERS, type KeyIssuer } from '../core/keys/keyIssuers';

type PresetId = 'openai' | 'anthropic' | 'openrouter' | 'groq' | 'deepseek' | 'mistral' | 'xai' | 'together' | 'gemini' | 'custom';

export interface ProviderPreset {
  id: PresetId;
  label: string;
  protocol: Protocol;
  /** In the form the provider's SDK takes: OpenAI-compatible with the version path, Anthropic the server root. */
  baseUrl: string;
  /**
   * How the provider's keys are recognised (variable names, prefixes); none for a custom base URL. A paste that
   * lacks the prefix gets a warning, not a refusal; bulk import offers only what these facts fit.
   */
  keys?: KeyIssuer;
  headers?: Record<string, string>;
  /** The authenticated GET that tests a key, when the model list needs no key. */
  testPath?: string;
  /** Where the user creates keys. */
  keysPage?: string;
  /** False: Chat Completions only, no Responses API (written to the pool, so Responses requests are translated). */
  responses?: false;
  /** A model name in the provider's own spelling, for the Add Fallback prompt. */
  exampleModel?: string;
  /** How the provider continues a started answer (continueOnCut), when not the protocol's default (the pool's `prefill`). */
  prefill?: PrefillStyle;
}

export const PROVIDER_PRESETS: readonly ProviderPreset[] = [
  { id: 'openai', label: 'OpenAI', protocol: 'openai', baseUrl: 'https://api.openai.com/v1', keys: PROVIDER_KEY_ISSUERS.openai, keysPage: 'https://platform.openai.com/api-keys', exampleModel: 'gpt-4.1' },
  {
    id: 'anthropic',
    label: 'Anthropic',
    protocol: 'anthropic',
    baseUrl: 'https://api.anthropic.com',
    keys: PROVIDER_KEY_ISSUERS.anthropic,
    keysPage: 'https://console.anthropic.com/settings/keys',
    exampleModel: 'claude-sonnet-4-5',
  },
  {
    id: 'openrouter',
    label: 'OpenRouter',
    protocol: 'openai',
    baseUrl: 'https://openrouter.ai/api/v1',
    keys: PROVIDER_KEY_ISSUERS.openrouter,
    // OpenRouter attributes traffic by these two optional headers.
    headers: { 'HTTP-Referer': 'https://github.com/keybridge/keybridge', 'X-Title': 'KeyBridge' },
    // OpenRouter lists models without a key; its key endpoint answers 401 for a bad one.
    testPath: '/key',
    keysPage: 'https://openrouter.ai/keys',
    exampleModel: 'openai/gpt-4.1',
    // OpenRouter continues a trailing assistant message for the models that support it ("assistant prefill").
    prefill: 'assistant',
  },
    // Groq, xAI and OpenRouter serve /responses as well; the four below without it speak Chat Completions only.
  { id: 'groq', label: 'Groq', protocol: 'openai', baseUrl: 'https://api.groq.com/openai/v1', keys: PROVIDER_KEY_ISSUERS.groq, keysPage: 'https://console.groq.com/keys', exampleModel: 'llama-3.3-70b-versatile' },
  {
    id: 'deepseek',
    label: 'DeepSeek',
    protocol: 'openai',
    baseUrl: 'https://api.deepseek.com/v1',
    keys: PROVIDER_KEY_ISSUERS.deepseek,
    keysPage: 'https://platform.deepseek.com/api_keys',
    responses: false,
    exampleModel: 'deepseek-chat',
    // DeepSeek's prefix completion answers only on its beta base URL (https://api.deepseek.com/beta); a pool
    // pointed there may declare prefill "prefix". On this one a continuation gets the instruction.
  },
  {
    id: 'mistral',
    label: 'Mistral',
    protocol: 'openai',
    baseUrl: 'https://api.mistral.ai/v1',
    keys: PROVIDER_KEY_ISSUERS.mistral,
    keysPage: 'https://console.mistral.ai/api-keys',
    responses: false,
    exampleModel: 'mistral-large-latest',
    // Mistral continues a last assistant message marked "prefix": true.
    prefill: 'prefix',
  },
  { id: 'xai', label: 'xAI', protocol: 'openai', baseUrl: 'https://api.x.ai/v1', keys: PROVIDER_KEY_ISSUERS.xai, keysPage: 'https://console.x.ai', exampleModel: 'grok-4' },
  {
    id: 'together',
    label: 'Together',
    protocol: 'openai',
    baseUrl: 'https://api.together.xyz/v1',
    keys: PROVIDER_KEY_ISSUERS.together,
    keysPage: 'https://api.together.ai/settings/api-keys',
    // Together's /responses serves only a few listed models and keeps no stored responses; Chat serves them all.
    responses: false,
    exampleModel: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
  },
  {
    id: 'gemini',
    label: 'Gemini (OpenAI-compatible)',
    protocol: 'openai',
    baseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai',
    keys: PROVIDER_KEY_ISSUERS.gemini,
    keysPage: 'https://aistudio.google.com/apikey',
    responses: false,
    exampleModel: 'gemini-2.5-pro',
  },
  { id: 'custom', label: 'Custom base URL', protocol: 'openai', baseUrl: '' },
];

export function presetById(id: string | undefined): ProviderPreset | undefined {
  return PROVIDER_PRESETS.find((p) => p.id === id);
}

/** Splits a paste into candidate keys: whitespace, commas and semicolons separate; `NAME=` and quotes are dropped. */
export function splitPastedKeys(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((part) => part.replace(/^[A-Za-z_][A-Za-z0-9_]*=/, '').replace(/^["'`]+|["'`]+$/g, ''))
    .filter((part) => part.length > 0 && part !== 'export');
}

export interface KeyShapeCheck {
  /** Blocking problems: the text cannot be a key. */
  errors: string[];
  /** Non-blocking doubts: a prefix the provider does not use. */
  warnings: string[];
}

const KEY_CHARS = /^[A-Za-z0-9._\-+/=:]+$/;

/**
 * Key heads distinctive enough not to occur inside a key by chance. VS Code's
 * input box is an HTML <input>, which deletes line breaks from a paste: keys
 * pasted one per line arrive glued together, with a second head inside.
 */
const DISTINCT_HEADS = ['sk-ant-', 'sk-or-', 'sk-proj-', 'sk-svcacct-', 'sk-admin-', 'gsk_', 'xai-', 'AIza'];
const MIN_KEY_LENGTH = 16;
const MAX_KEY_LENGTH = 512;

/** Checks that each pasted part looks like a provider key, without ever echoing a key back. */
export function checkKeyShapes(keys: string[], preset: ProviderPreset | undefined): KeyShapeCheck {
  const errors: string[] = [];
  const warnings: string[] = [];
  keys.forEach((key, i) => {
    const which = keys.length > 1 ? `Key ${i + 1}` : 'The key';
    if (key.length < MIN_KEY_LENGTH) errors.push(`${which} is too short to be an API key (${key.length} characters).`);
    else if (key.length > MAX_KEY_LENGTH) errors.push(`${which} is too long to be an API key (${key.length} characters).`);
    else if (!KEY_CHARS.test(key)) errors.push(`${which} contains characters API keys do not use.`);
    else if (/^kb(admin)?-/.test(key)) errors.push(`${which} is a KeyBridge token, not a provider key.`);
    else if (DISTINCT_HEADS.some((head) => key.indexOf(head, 1) > 0)) errors.push(`${which} looks like two keys run together (the input box drops line breaks): separate keys with spaces or commas, or copy the list and run Add Keys from Clipboard.`);
    else if (preset?.keys?.keyPrefixes.length && !preset.keys.keyPrefixes.some((p) => key.startsWith(p))) {
      warnings.push(`${which} does not start with ${keyStarts(preset.keys).join(' or ')}, as ${preset.label} keys do.`);
    }
  });
  return { errors, warnings };
}
