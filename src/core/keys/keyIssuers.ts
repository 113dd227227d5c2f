/**
 * Who issues the credentials a `.env` holds, as far as its text tells: the words of a variable's name
 * (`OPENAI` in `OPENAI_API_KEY`) and the prefixes of its value (`gsk_` for Groq, `ghp_` for GitHub). Bulk import
 * reads these facts to offer a pool only what is plausibly its provider's key and to keep everyone else's
 * credentials on the machine (ARCHITECTURE §7). Declared, not guessed: a provider preset points at its entry here.
 */
export interface KeyIssuer {
  label: string;
  /** Whole words of a variable name (split at `_`, `.`, `-`; any case) that name this issuer. */
  nameWords: readonly string[];
  /** What its keys start with; empty when they have no fixed start (Mistral, Together). */
  keyPrefixes: readonly string[];
  /** A provider a pool can serve; the others (cloud, VCS, payment, databases…) never go to any pool. */
  llm: boolean;
}

const provider = (label: string, nameWords: readonly string[], keyPrefixes: readonly string[]): KeyIssuer => ({ label, nameWords, keyPrefixes, llm: true });
const service = (label: string, nameWords: readonly string[], keyPrefixes: readonly string[] = []): KeyIssuer => ({
  label,
  nameWords,
  keyPrefixes,
  llm: false,
});

/** The providers the presets offer, by preset id. */
export const PROVIDER_KEY_ISSUERS = {
  // OpenAI's project, service-account and admin keys have heads of their own; older keys are `sk-` alone, as DeepSeek's are.
  openai: provider('OpenAI', ['OPENAI'], ['sk-', 'sk-proj-', 'sk-svcacct-', 'sk-admin-']),
  anthropic: provider('Anthropic', ['ANTHROPIC', 'CLAUDE'], ['sk-ant-']),
  openrouter: provider('OpenRouter', ['OPENROUTER'], ['sk-or-']),
  groq: provider('Groq', ['GROQ'], ['gsk_']),
  deepseek: provider('DeepSeek', ['DEEPSEEK'], ['sk-']),
  mistral: provider('Mistral', ['MISTRAL', 'CODESTRAL'], []),
  xai: provider('xAI', ['XAI', 'GROK'], ['xai-']),
  together: provider('Together', ['TOGETHER', 'TOGETHERAI'], []),
  // The Gemini SDKs read GEMINI_API_KEY or GOOGLE_API_KEY; Google's other API keys share `AIza` (see below).
  gemini: provider('Gemini', ['GEMINI', 'GENAI', 'GOOGLE'], ['AIza']),
} as const satisfies Record<string, KeyIssuer>;

/**
 * Credentials a project's `.env` holds beside its LLM keys. Not exhaustive: a name or value none of these
 * recognise is still never offered ticked to a pool whose provider it does not name (keyListParser.ts).
 */
const OTHER_KEY_ISSUERS: readonly KeyIssuer[] = [
  // LLM providers without a preset: a custom pool may serve one, but not with a key named or shaped for another.
  provider('Azure OpenAI', ['AZURE'], []),
  provider('Cohere', ['COHERE'], []),
  provider('Perplexity', ['PERPLEXITY', 'PPLX'], ['pplx-']),
  provider('Hugging Face', ['HF', 'HUGGINGFACE', 'HUGGINGFACEHUB'], ['hf_']),
  provider('Replicate', ['REPLICATE'], ['r8_']),
  provider('Fireworks', ['FIREWORKS'], ['fw_']),
  provider('Cerebras', ['CEREBRAS'], ['csk-']),
  provider('LangSmith', ['LANGSMITH', 'LANGCHAIN'], ['lsv2_']),
  service('AWS', ['AWS'], ['AKIA', 'ASIA']),
  service('Google Cloud', ['GCP', 'GCLOUD', 'FIREBASE', 'MAPS'], ['GOCSPX-']),
  service('GitHub', ['GITHUB', 'GH'], ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_']),
  service('GitLab', ['GITLAB'], ['glpat-', 'gldt-', 'glrt-', 'glptt-']),
  service('Stripe', ['STRIPE'], ['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_', 'pk_live_', 'pk_test_', 'whsec_']),
  service('Slack', ['SLACK'], ['xoxa-', 'xoxb-', 'xoxe-', 'xoxp-', 'xoxr-', 'xoxs-', 'xapp-']),
  service('a database', ['DATABASE', 'DB', 'POSTGRES', 'POSTGRESQL', 'PG', 'PGPASSWORD', 'MYSQL', 'MARIADB', 'MONGO', 'MONGODB', 'REDIS', 'SUPABASE', 'SQL']),
  service('npm', ['NPM'], ['npm_']),
  service('PyPI', ['PYPI', 'TWINE'], ['pypi-']),
  service('Docker', ['DOCKER', 'DOCKERHUB'], ['dckr_pat_']),
  service('DigitalOcean', ['DIGITALOCEAN'], ['dop_v1_']),
  service('Shopify', ['SHOPIFY'], ['shpat_', 'shpss_', 'shpca_']),
  service('SendGrid', ['SENDGRID'], ['SG.']),
  service('Twilio', ['TWILIO'], []),
  service('Sentry', ['SENTRY'], ['sntrys_']),
  service('Cloudflare', ['CLOUDFLARE', 'CF'], []),
  service('Vercel', ['VERCEL'], []),
  service('Heroku', ['HEROKU'], []),
  service('a mail server', ['SMTP', 'MAIL', 'MAILGUN', 'POSTMARK', 'RESEND'], []),
  // A JSON Web Token is a signed session or service-role token (Supabase, Firebase…), never an LLM key.
  service('a signed token (JWT)', ['JWT', 'SESSION', 'COOKIE', 'NEXTAUTH', 'OAUTH'], ['eyJ']),
];

export const ALL_KEY_ISSUERS: readonly KeyIssuer[] = [...Object.values(PROVIDER_KEY_ISSUERS), ...OTHER_KEY_ISSUERS];

/** The issuers a variable name names: `AZURE_OPENAI_API_KEY` names Azure OpenAI and OpenAI. */
export function issuersNamedBy(name: string | undefined, issuers: readonly KeyIssuer[]): KeyIssuer[] {
  if (!name) return [];
  const words = new Set(name.toUpperCase().split(/[^A-Z0-9]+/));
  return issuers.filter((issuer) => issuer.nameWords.some((word) => words.has(word)));
}

/**
 * The issuers whose longest prefix the value starts with: `sk-ant-…` is Anthropic's alone although it starts
 * with OpenAI's `sk-` too; `sk-…` is OpenAI's and DeepSeek's. Empty when no declared prefix fits.
 */
export function issuersShapedLike(value: string, issuers: readonly KeyIssuer[]): { issuers: KeyIssuer[]; prefix: string } {
  let prefix = '';
  let found: KeyIssuer[] = [];
  for (const issuer of issuers) {
    for (const p of issuer.keyPrefixes) {
      if (!value.startsWith(p) || p.length < prefix.length) continue;
      if (p.length > prefix.length) {
        prefix = p;
        found = [];
      }
      if (!found.includes(issuer)) found.push(issuer);
    }
  }
  return { issuers: found, prefix };
}

/** The prefixes to name to a user: `sk-` for OpenAI, whose `sk-proj-` and the like start with it anyway. */
export function keyStarts(issuer: KeyIssuer): string[] {
  return issuer.keyPrefixes.filter((p) => !issuer.keyPrefixes.some((q) => q !== p && p.startsWith(q)));
}
