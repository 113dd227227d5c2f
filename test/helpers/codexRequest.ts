/** The shell tool's schema as Codex sends it: nested, with a required list and additionalProperties off. */
export const SHELL_SCHEMA = {
  type: 'object',
  properties: {
    command: { type: 'array', items: { type: 'string' }, description: 'The command to execute' },
    workdir: { type: 'string', description: 'The working directory' },
    timeout_ms: { type: 'number', description: 'The timeout in milliseconds' },
  },
  required: ['command'],
  additionalProperties: false,
};

export const PLAN_SCHEMA = {
  type: 'object',
  properties: {
    explanation: { type: 'string' },
    plan: {
      type: 'array',
      items: {
        type: 'object',
        properties: { step: { type: 'string' }, status: { type: 'string', enum: ['pending', 'in_progress', 'completed'] } },
        required: ['step', 'status'],
        additionalProperties: false,
      },
    },
  },
  required: ['plan'],
  additionalProperties: false,
};

/** Encrypted reasoning as OpenAI returns it; it must never reach another provider. */
export const ENCRYPTED = 'gAAAAABo-encrypted-reasoning-of-openai-org';

/**
 * A Codex-like Responses request (AGENTS.md): instructions, a developer message, environment context, a user turn
 * with a screenshot, two parallel function calls and their outputs (one as a list of parts), reasoning items with
 * encrypted content, assistant text followed by a call, a last user turn with an image by file_id; function
 * tools plus a hosted tool (web_search) and a free-form custom tool (apply_patch); store:false and the include.
 */
export function codexRequest(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: 'gpt-5-codex',
    instructions: 'You are Codex, a coding agent running in a terminal.',
    input: [
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: '<permissions>sandbox: workspace-write</permissions>' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: '<environment_context>cwd: /repo</environment_context>' }] },
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: 'Why does the build fail? Screenshot attached.' },
          { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'auto' },
        ],
      },
      { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'Look at the files first.' }], content: null, encrypted_content: ENCRYPTED },
      { type: 'function_call', id: 'fc_1', call_id: 'call_a', name: 'shell', arguments: '{"command":["ls"]}' },
      { type: 'function_call', id: 'fc_2', call_id: 'call_b', name: 'shell', arguments: '{"command":["cat","package.json"]}' },
      { type: 'function_call_output', call_id: 'call_a', output: 'src\ntest' },
      { type: 'function_call_output', call_id: 'call_b', output: [{ type: 'input_text', text: '{"name":"app"}' }] },
      { type: 'reasoning', id: 'rs_2', summary: [], encrypted_content: `${ENCRYPTED}-2` },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Let me run the build.', annotations: [] }] },
      { type: 'function_call', id: 'fc_3', call_id: 'call_c', name: 'shell', arguments: '{"command":["npm","run","build"]}' },
      { type: 'function_call_output', call_id: 'call_c', output: 'error TS2322 in src/a.ts' },
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: 'Fix it, see the log.' },
          { type: 'input_image', file_id: 'file-abc123' },
        ],
      },
    ],
    tools: [
      { type: 'function', name: 'shell', description: 'Runs a shell command and returns its output.', strict: false, parameters: SHELL_SCHEMA },
      { type: 'function', name: 'update_plan', description: 'Updates the task plan.', strict: false, parameters: PLAN_SCHEMA },
      { type: 'web_search' },
      { type: 'custom', name: 'apply_patch', description: 'Applies a patch.', format: { type: 'grammar', syntax: 'lark', definition: 'start: patch' } },
    ],
    tool_choice: 'auto',
    parallel_tool_calls: true,
    reasoning: { effort: 'medium', summary: 'auto' },
    store: false,
    stream: true,
    include: ['reasoning.encrypted_content'],
    prompt_cache_key: '0199a1b2-session',
    text: { verbosity: 'low' },
    ...extra,
  };
}
