// Guards Gemini's generateContent format (src/core/protocols/geminiGenerate/) piece by piece, with exact outputs:
// requests read into the conversation model and written from it, answers and stream chunks read into the answer
// model and written from it, its usage, terminal chunk, error envelope, path grammar and model list.
import assert from 'node:assert/strict';
import type { Conversation } from '../../src/core/conversation/conversation';
import { geminiProtocol } from '../../src/core/protocols/gemini';
import { readGeminiAnswer } from '../../src/core/protocols/geminiGenerate/answerReader';
import { GeminiAnswerWriter } from '../../src/core/protocols/geminiGenerate/answerWriter';
import { geminiFinish, GeminiEventReader, geminiUsage } from '../../src/core/protocols/geminiGenerate/eventReader';
import { GeminiEventWriter } from '../../src/core/protocols/geminiGenerate/eventWriter';
import { bareModel, GEMINI_USAGE, geminiErrorBody, geminiGenerateFormat, geminiStatusErrorBody } from '../../src/core/protocols/geminiGenerate/format';
import { geminiFinishReason, geminiUsageMetadata } from '../../src/core/protocols/geminiGenerate/geminiWriting';
import { readGeminiRequest } from '../../src/core/protocols/geminiGenerate/requestReader';
import { writeGeminiRequest } from '../../src/core/protocols/geminiGenerate/requestWriter';
import { emptyUsage } from '../../src/core/protocols/tokenUsage';
import { resolveClientPath } from '../../src/core/protocols/table';
import { dialectTraits } from '../../src/core/providers/dialect';
import { answerRecorder } from '../helpers/answerRecorder';

const GEMINI = dialectTraits('gemini');

function conversation(extra: Partial<Conversation> = {}): Conversation {
  return { system: [], turns: [], tools: [], stop: [], stream: false, notCarried: [], ...extra };
}

describe('Gemini generateContent: requests read', () => {
  it('reads system, turns, calls paired with responses by name, images, tools and config', () => {
    const read = readGeminiRequest({
      systemInstruction: { parts: [{ text: 'Be brief.' }, { text: 'Be kind.' }] },
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'look' },
            { inlineData: { mimeType: 'image/png', data: 'AAAA' } },
            { fileData: { mimeType: 'image/jpeg', fileUri: 'https://x/y.jpg' } },
          ],
        },
        {
          role: 'model',
          parts: [
            { text: 'thinking…', thought: true },
            { functionCall: { name: 'Read', args: { p: 1 } }, thoughtSignature: 'sig-a' },
            { functionCall: { name: 'Grep', args: {} } },
          ],
        },
        {
          role: 'user',
          parts: [
            { functionResponse: { name: 'Grep', response: { output: 'g' } } },
            { functionResponse: { name: 'Read', response: { error: 'no such file' } } },
          ],
        },
        { role: 'model', parts: [{ functionCall: { id: 'given', name: 'Read' } }] },
        {
          role: 'user',
          parts: [
            { functionResponse: { id: 'given', name: 'Read', response: { lines: 3, text: 'x' } } },
            { functionResponse: { name: 'Other', response: {} } },
          ],
        },
      ],
      tools: [
        {
          functionDeclarations: [
            { name: 'Read', description: 'reads', parametersJsonSchema: { type: 'object' } },
            { name: 'Grep', parameters: { type: 'OBJECT' } },
            { name: 'Bare' },
          ],
        },
        { googleSearch: {} },
      ],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['Read'] } },
      generationConfig: {
        maxOutputTokens: 99,
        temperature: 0.2,
        topP: 0.9,
        topK: 40,
        stopSequences: ['END', 7],
        candidateCount: 1,
        seed: 3,
        thinkingConfig: { thinkingLevel: 'HIGH' },
      },
      safetySettings: [],
    });
    assert.deepEqual(read, {
      system: ['Be brief.', 'Be kind.'],
      turns: [
        {
          role: 'user',
          parts: [
            { kind: 'text', text: 'look' },
            { kind: 'image', url: 'data:image/png;base64,AAAA' },
            { kind: 'image', url: 'https://x/y.jpg' },
          ],
        },
        {
          role: 'assistant',
          parts: [
            { kind: 'reasoning', text: '', state: { kind: 'carried', carried: { dialect: 'gemini', thoughtSignatures: { call_0: 'sig-a' } } } },
            { kind: 'reasoning', text: 'thinking…', state: { kind: 'unbound' } },
            { kind: 'tool-call', id: 'call_0', name: 'Read', arguments: '{"p":1}' },
            { kind: 'tool-call', id: 'call_1', name: 'Grep', arguments: '{}' },
          ],
        },
        {
          role: 'user',
          parts: [
            { kind: 'tool-result', id: 'call_1', content: [{ kind: 'text', text: 'g' }], error: false },
            { kind: 'tool-result', id: 'call_0', content: [{ kind: 'text', text: 'no such file' }], error: true },
          ],
        },
        { role: 'assistant', parts: [{ kind: 'tool-call', id: 'given', name: 'Read', arguments: '{}' }] },
        {
          role: 'user',
          parts: [
            { kind: 'tool-result', id: 'given', content: [{ kind: 'text', text: '{"lines":3,"text":"x"}' }], error: false },
            { kind: 'tool-result', id: 'call_Other_unpaired', content: [{ kind: 'text', text: '{}' }], error: false },
          ],
        },
      ],
      tools: [
        { name: 'Read', description: 'reads', parameters: { type: 'object' } },
        { name: 'Grep', parameters: { type: 'OBJECT' } },
        { name: 'Bare', parameters: { type: 'object', properties: {} } },
      ],
      toolChoice: { mode: 'function', name: 'Read' },
      maxTokens: 99,
      temperature: 0.2,
      topP: 0.9,
      topK: 40,
      stop: ['END'],
      stream: false,
      reasoning: { effort: 'high', askedAs: 'thinkingConfig', turnsThinkingOn: true },
      notCarried: ['the googleSearch tool', 'seed', 'safetySettings'],
    });
  });

  const cases: [string, Record<string, unknown>, Partial<Conversation>][] = [
    ['a string system instruction', { systemInstruction: 'Hi.' }, { system: ['Hi.'] }],
    ['AUTO', { toolConfig: { functionCallingConfig: { mode: 'AUTO' } } }, { toolChoice: { mode: 'auto' } }],
    ['VALIDATED', { toolConfig: { functionCallingConfig: { mode: 'VALIDATED' } } }, { toolChoice: { mode: 'auto' } }],
    ['NONE', { toolConfig: { functionCallingConfig: { mode: 'NONE' } } }, { toolChoice: { mode: 'none' } }],
    ['ANY of several', { toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['a', 'b'] } } }, { toolChoice: { mode: 'required' } }],
    ['ANY of none named', { toolConfig: { functionCallingConfig: { mode: 'ANY' } } }, { toolChoice: { mode: 'required' } }],
    ['an unknown mode', { toolConfig: { functionCallingConfig: { mode: 'X' } } }, {}],
    [
      'a budget of 0',
      { generationConfig: { thinkingConfig: { thinkingBudget: 0 } } },
      { reasoning: { effort: 'none', askedAs: 'thinkingConfig', turnsThinkingOn: false } },
    ],
    [
      'a budget of 2048',
      { generationConfig: { thinkingConfig: { thinkingBudget: 2048 } } },
      { reasoning: { effort: 'low', askedAs: 'thinkingConfig', turnsThinkingOn: true } },
    ],
    [
      'a budget of 2049',
      { generationConfig: { thinkingConfig: { thinkingBudget: 2049 } } },
      { reasoning: { effort: 'medium', askedAs: 'thinkingConfig', turnsThinkingOn: true } },
    ],
    [
      'a budget of 16384',
      { generationConfig: { thinkingConfig: { thinkingBudget: 16384 } } },
      { reasoning: { effort: 'medium', askedAs: 'thinkingConfig', turnsThinkingOn: true } },
    ],
    [
      'a budget of 16385',
      { generationConfig: { thinkingConfig: { thinkingBudget: 16385 } } },
      { reasoning: { effort: 'high', askedAs: 'thinkingConfig', turnsThinkingOn: true } },
    ],
    [
      'a dynamic budget',
      { generationConfig: { thinkingConfig: { thinkingBudget: -1 } } },
      { reasoning: { effort: 'high', askedAs: 'thinkingConfig', turnsThinkingOn: true } },
    ],
    [
      'a JSON schema',
      { generationConfig: { responseMimeType: 'application/json', responseJsonSchema: { type: 'object' } } },
      {
        responseFormat: {
          format: { type: 'json_schema', json_schema: { name: 'response', schema: { type: 'object' } } },
          askedAs: 'generationConfig.responseSchema',
        },
      },
    ],
    [
      'an OpenAPI schema',
      { generationConfig: { responseSchema: { type: 'OBJECT' } } },
      {
        responseFormat: {
          format: { type: 'json_schema', json_schema: { name: 'response', schema: { type: 'OBJECT' } } },
          askedAs: 'generationConfig.responseSchema',
        },
      },
    ],
    [
      'JSON without a schema',
      { generationConfig: { responseMimeType: 'application/json' } },
      { responseFormat: { format: { type: 'json_object' }, askedAs: 'generationConfig.responseMimeType' } },
    ],
    ['two candidates', { generationConfig: { candidateCount: 2, presencePenalty: 1 } }, { notCarried: ['candidateCount', 'presencePenalty'] }],
    ['cached content', { cachedContent: 'cachedContents/x' }, { notCarried: ['cachedContent'] }],
  ];
  for (const [name, request, expected] of cases) {
    it(`reads ${name}`, () => {
      assert.deepEqual(readGeminiRequest(request), conversation(expected));
    });
  }

  it('names the parts it cannot carry once each, and reads a turn without a role as the user’s', () => {
    const read = readGeminiRequest({
      contents: [
        {
          parts: [
            { inlineData: { mimeType: 'application/pdf', data: 'x' } },
            { fileData: { mimeType: 'video/mp4', fileUri: 'u' } },
            { executableCode: { code: '1' } },
            { executableCode: {} },
            { thoughtSignature: 's' },
          ],
        },
      ],
    });
    assert.deepEqual(read.turns, [{ role: 'user', parts: [] }]);
    assert.deepEqual(read.notCarried, ['files other than images', 'a executableCode part', 'a empty part']);
  });
});

describe('Gemini generateContent: requests written', () => {
  it('writes contents with merged turns, calls with their signatures or the stand-in, responses by name, and config', () => {
    const signature = {
      kind: 'reasoning' as const,
      text: '',
      state: { kind: 'carried' as const, carried: { dialect: 'gemini' as const, thoughtSignatures: { c1: 'sig-1' } } },
    };
    const written = writeGeminiRequest(
      conversation({
        system: ['One.', '', 'Two.'],
        turns: [
          {
            role: 'user',
            parts: [
              { kind: 'text', text: 'hi' },
              { kind: 'text', text: '' },
            ],
          },
          {
            role: 'user',
            parts: [
              { kind: 'image', url: 'data:image/webp;base64,QUJD' },
              { kind: 'image', url: 'https://h/p.PNG?x=1' },
              { kind: 'image', url: 'https://h/p' },
            ],
          },
          {
            role: 'assistant',
            parts: [
              signature,
              { kind: 'tool-call', id: 'c1', name: 'Read', arguments: '{"a":1}' },
              { kind: 'tool-call', id: 'c2', name: 'Grep', arguments: 'not json' },
            ],
          },
          {
            role: 'user',
            parts: [
              {
                kind: 'tool-result',
                id: 'c1',
                content: [
                  { kind: 'text', text: 'a' },
                  { kind: 'text', text: 'b' },
                ],
                error: false,
              },
              { kind: 'tool-result', id: 'c2', content: [{ kind: 'image', url: 'data:image/png;base64,AA' }], error: true },
              { kind: 'tool-result', id: 'c9', content: [], error: false },
            ],
          },
          { role: 'assistant', parts: [{ kind: 'reasoning', text: 'old', state: { kind: 'anthropic', signature: 'x' } }] },
        ],
        tools: [
          { name: 'Read', description: 'reads', parameters: { type: 'object', additionalProperties: false } },
          { name: 'Grep', parameters: {} },
        ],
        toolChoice: { mode: 'function', name: 'Read' },
        parallelToolCalls: false,
        maxTokens: 100,
        temperature: 0.1,
        topP: 0.5,
        topK: 3,
        stop: ['a', 'b', 'c', 'd', 'e', 'f'],
        responseFormat: { format: { type: 'json_schema', json_schema: { name: 'r', schema: { type: 'object' } } }, askedAs: 'response_format' },
        reasoning: { effort: 'medium', askedAs: 'reasoning_effort', turnsThinkingOn: true },
        user: 'u-1',
        notCarried: ['seed'],
      }),
      GEMINI,
    );
    assert.deepEqual(written.body, {
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'hi' },
            { inlineData: { mimeType: 'image/webp', data: 'QUJD' } },
            { fileData: { mimeType: 'image/png', fileUri: 'https://h/p.PNG?x=1' } },
            { fileData: { mimeType: 'image/jpeg', fileUri: 'https://h/p' } },
          ],
        },
        {
          role: 'model',
          parts: [
            { functionCall: { name: 'Read', args: { a: 1 } }, thoughtSignature: 'sig-1' },
            { functionCall: { name: 'Grep', args: { _raw_arguments: 'not json' } }, thoughtSignature: 'skip_thought_signature_validator' },
          ],
        },
        {
          role: 'user',
          parts: [
            { functionResponse: { name: 'Read', response: { output: 'a\nb' } } },
            { functionResponse: { name: 'Grep', response: { error: '' } } },
            { functionResponse: { name: 'c9', response: { output: '' } } },
          ],
        },
      ],
      systemInstruction: { parts: [{ text: 'One.\n\nTwo.' }] },
      tools: [
        {
          functionDeclarations: [
            { name: 'Read', description: 'reads', parametersJsonSchema: { type: 'object', additionalProperties: false } },
            { name: 'Grep', parametersJsonSchema: {} },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['Read'] } },
      generationConfig: {
        maxOutputTokens: 100,
        temperature: 0.1,
        topP: 0.5,
        topK: 3,
        stopSequences: ['a', 'b', 'c', 'd', 'e'],
        responseMimeType: 'application/json',
        responseJsonSchema: { type: 'object' },
        thinkingConfig: { thinkingBudget: 8192, includeThoughts: true },
      },
    });
    assert.deepEqual(written.notes.dropped, [
      'seed',
      'thinking history',
      'images in tool results',
      'parallel_tool_calls',
      'stop sequences past the fifth',
      'user',
    ]);
  });

  it('gives another dialect’s signatures to no one, and the stand-in in their place', () => {
    const carried = { kind: 'reasoning' as const, text: '', state: { kind: 'carried' as const, carried: { dialect: 'deepseek' as const } } };
    const written = writeGeminiRequest(
      conversation({ turns: [{ role: 'assistant', parts: [carried, { kind: 'tool-call', id: 'c1', name: 'Read', arguments: '' }] }] }),
      GEMINI,
    );
    assert.deepEqual(written.body, {
      contents: [{ role: 'model', parts: [{ functionCall: { name: 'Read', args: {} }, thoughtSignature: 'skip_thought_signature_validator' }] }],
    });
    assert.deepEqual(written.notes.dropped, ['reasoning kept for deepseek']);
  });

  const configs: [string, Partial<Conversation>, Record<string, unknown> | undefined, string[]][] = [
    ['auto', { toolChoice: { mode: 'auto' } }, undefined, []],
    ['none', { toolChoice: { mode: 'none' } }, undefined, []],
    ['required', { toolChoice: { mode: 'required' } }, undefined, []],
    ['json_object', { responseFormat: { format: { type: 'json_object' }, askedAs: 'response_format' } }, { responseMimeType: 'application/json' }, []],
    [
      'a schema-less json_schema',
      { responseFormat: { format: { type: 'json_schema', json_schema: {} }, askedAs: 'response_format' } },
      { responseMimeType: 'application/json' },
      [],
    ],
    ['plain text format', { responseFormat: { format: { type: 'text' }, askedAs: 'text.format' } }, undefined, ['text.format']],
    ['no reasoning', { reasoning: { effort: 'none', askedAs: 'thinking', turnsThinkingOn: false } }, { thinkingConfig: { thinkingBudget: 0 } }, []],
    [
      'low',
      { reasoning: { effort: 'low', askedAs: 'thinking', turnsThinkingOn: true } },
      { thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } },
      [],
    ],
    [
      'minimal',
      { reasoning: { effort: 'minimal', askedAs: 'thinking', turnsThinkingOn: true } },
      { thinkingConfig: { thinkingBudget: 512, includeThoughts: true } },
      [],
    ],
    [
      'high',
      { reasoning: { effort: 'high', askedAs: 'thinking', turnsThinkingOn: true } },
      { thinkingConfig: { thinkingBudget: 24576, includeThoughts: true } },
      [],
    ],
    [
      'xhigh',
      { reasoning: { effort: 'xhigh', askedAs: 'thinking', turnsThinkingOn: true } },
      { thinkingConfig: { thinkingBudget: 32768, includeThoughts: true } },
      [],
    ],
    [
      'an effort Gemini has no budget for',
      { reasoning: { effort: 'max', askedAs: 'reasoning.effort', turnsThinkingOn: true } },
      undefined,
      ['reasoning.effort'],
    ],
    ['an effort sent with every request', { reasoning: { effort: 'high', askedAs: 'reasoning.effort', turnsThinkingOn: false } }, undefined, []],
    ['four stop sequences', { stop: ['a', 'b', 'c', 'd', 'e'] }, { stopSequences: ['a', 'b', 'c', 'd', 'e'] }, []],
  ];
  for (const [name, extra, config, dropped] of configs) {
    it(`writes ${name}`, () => {
      const written = writeGeminiRequest(conversation(extra), GEMINI);
      assert.deepEqual(written.body.generationConfig, config);
      assert.deepEqual(written.notes.dropped, dropped);
      const mode = (written.body.toolConfig as { functionCallingConfig: { mode: string } } | undefined)?.functionCallingConfig.mode;
      assert.equal(mode, { auto: 'AUTO', none: 'NONE', required: 'ANY' }[name]);
    });
  }
});

describe('Gemini generateContent: answers read', () => {
  it('reads a stream chunk by chunk: text, thoughts, whole calls with signatures, usage and the finish', () => {
    const { sink, events } = answerRecorder();
    const reader = new GeminiEventReader();
    const chunk = (json: Record<string, unknown>) => reader.read({ name: '', data: JSON.stringify(json) }, sink);
    assert.equal(
      chunk({ candidates: [{ content: { role: 'model', parts: [{ text: 'hm', thought: true }] } }], responseId: 'r1', modelVersion: 'gemini-3-pro' }),
      false,
    );
    assert.equal(
      chunk({
        candidates: [
          {
            content: {
              parts: [
                { text: 'Hi' },
                { functionCall: { name: 'Read', args: { a: 1 } }, thoughtSignature: 'sig' },
                { functionCall: { id: 'own', name: 'Grep' } },
              ],
            },
          },
        ],
      }),
      false,
    );
    assert.equal(chunk({ candidates: [{ content: { parts: [{ executableCode: {} }, { thoughtSignature: 'only' }] } }, { content: {} }] }), false);
    assert.equal(reader.read({ name: '', data: undefined }, sink), false);
    assert.equal(reader.read({ name: '', data: 'not json' }, sink), false);
    assert.equal(
      chunk({
        candidates: [{ content: { parts: [] }, finishReason: 'STOP' }],
        usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 4, thoughtsTokenCount: 3, cachedContentTokenCount: 2 },
      }),
      true,
    );
    const made = events[3][1] as string;
    assert.match(made, /^call_kb[0-9a-f]{12}_0$/);
    assert.deepEqual(events, [
      ['start', 'r1', 'gemini-3-pro'],
      ['reasoning', 'hm'],
      ['text', 'Hi'],
      ['toolCall', made, 'Read', 'sig'],
      ['arguments', '{"a":1}'],
      ['blockEnd'],
      ['toolCall', 'own', 'Grep', undefined],
      ['arguments', '{}'],
      ['blockEnd'],
      ['other', 'several candidates'],
      ['other', 'a executableCode part'],
      ['usage', { input: 10, output: 7, reasoning: 3, cacheRead: 2 }],
      ['finish', 'tool_use'],
    ]);
  });

  it('ends at an error chunk and at a blocked prompt, and names a missing id', () => {
    const errors = answerRecorder();
    assert.equal(new GeminiEventReader().readJson('', { error: { code: 500 } }, errors.sink), true);
    assert.deepEqual(errors.events, []);
    const blocked = answerRecorder();
    assert.equal(new GeminiEventReader().readJson('', { promptFeedback: { blockReason: 'SAFETY' } }, blocked.sink), true);
    assert.deepEqual(blocked.events, [
      ['start', 'keybridge', undefined],
      ['finish', 'refusal'],
    ]);
    const feedbackWithAnswer = answerRecorder();
    assert.equal(
      new GeminiEventReader().readJson(
        '',
        { promptFeedback: { blockReason: 'X' }, candidates: [{ content: { parts: [{ text: 'a' }] } }] },
        feedbackWithAnswer.sink,
      ),
      false,
    );
  });

  it('reads a whole answer, taking one without a finish reason as finished', () => {
    const { sink, events } = answerRecorder();
    readGeminiAnswer({ candidates: [{ content: { parts: [{ text: 'done' }] } }], usageMetadata: { promptTokenCount: 1 } }, sink);
    assert.deepEqual(events, [
      ['start', 'keybridge', undefined],
      ['text', 'done'],
      ['usage', { input: 1, output: 0, reasoning: 0 }],
      ['finish', 'end'],
    ]);
    const max = answerRecorder();
    readGeminiAnswer({ candidates: [{ finishReason: 'MAX_TOKENS' }] }, max.sink);
    assert.deepEqual(max.events.at(-1), ['finish', 'max_tokens']);
  });

  const finishes: [string, boolean, string][] = [
    ['STOP', false, 'end'],
    ['STOP', true, 'tool_use'],
    ['MAX_TOKENS', true, 'max_tokens'],
    ['SAFETY', false, 'refusal'],
    ['RECITATION', false, 'refusal'],
    ['BLOCKLIST', false, 'refusal'],
    ['PROHIBITED_CONTENT', false, 'refusal'],
    ['SPII', false, 'refusal'],
    ['IMAGE_SAFETY', false, 'refusal'],
    ['LANGUAGE', false, 'refusal'],
    ['MALFORMED_FUNCTION_CALL', true, 'cut'],
    ['OTHER', false, 'cut'],
    ['FINISH_REASON_UNSPECIFIED', false, 'cut'],
  ];
  for (const [reason, calls, expected] of finishes) {
    it(`reads ${reason}${calls ? ' after calls' : ''} as ${expected}`, () => assert.equal(geminiFinish(reason, calls), expected));
  }

  it('reads usage with and without its optional counts', () => {
    assert.deepEqual(geminiUsage({}), { output: 0, reasoning: 0 });
    assert.deepEqual(geminiUsage({ promptTokenCount: 5, candidatesTokenCount: 2 }), { input: 5, output: 2, reasoning: 0 });
  });
});

describe('Gemini generateContent: answers written', () => {
  it('writes a stream: a chunk per delta, each call whole once its arguments are, then the finish and usage', () => {
    const masked: string[] = [];
    const writer = new GeminiEventWriter('gemini-x', (field, piece) => {
      masked.push(field);
      return piece.replace('SECRET', '******');
    });
    writer.start('r9');
    writer.reasoning('');
    writer.reasoning('think');
    writer.reasoningSignature();
    writer.text('');
    writer.text('Hello SECRET');
    writer.refusal('no');
    writer.toolCall('c1', 'Read', 'sig-1');
    writer.toolArguments('{"a":');
    assert.equal(writer.heldChars, 5);
    writer.toolArguments('1}');
    writer.toolCall('c2', 'Grep', undefined);
    writer.blockEnd();
    writer.toolArguments('ignored');
    writer.usage({ input: 10, output: 6, reasoning: 2, cacheRead: 4 });
    writer.finish('tool_use');
    writer.other();
    assert.equal(writer.finishSeen, true);
    const chunk = (parts: unknown[]) =>
      JSON.stringify({ candidates: [{ content: { role: 'model', parts }, index: 0 }], modelVersion: 'gemini-x', responseId: 'r9' });
    assert.deepEqual(
      writer.take().map((e) => e.data),
      [
        chunk([{ text: 'think', thought: true }]),
        chunk([{ text: 'Hello ******' }]),
        chunk([{ text: 'no' }]),
        chunk([{ functionCall: { name: 'Read', args: { a: 1 } }, thoughtSignature: 'sig-1' }]),
        chunk([{ functionCall: { name: 'Grep', args: {} } }]),
      ],
    );
    const last = writer.end();
    assert.deepEqual(
      last.map((e) => [e.name, e.data]),
      [
        [
          '',
          JSON.stringify({
            candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, index: 0, finishReason: 'STOP' }],
            usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 4, totalTokenCount: 16, thoughtsTokenCount: 2, cachedContentTokenCount: 4 },
            modelVersion: 'gemini-x',
            responseId: 'r9',
          }),
        ],
      ],
    );
    assert.deepEqual(writer.end(), [], 'closed once');
    assert.deepEqual(masked, ['thought', 'text', 'text', 'call 0', 'call 1']);
  });

  it('closes an open call at the end, and says a cut is no finish', () => {
    const writer = new GeminiEventWriter('m');
    writer.toolCall('c', 'Read', undefined);
    writer.toolArguments('{}');
    writer.finish('cut');
    assert.equal(writer.finishSeen, false);
    const events = writer.end();
    assert.equal(events.length, 2);
    assert.match(events[1].data ?? '', /"finishReason":"OTHER"/);
  });

  it('writes a whole answer: deltas joined per part, calls whole, the finish and usage', () => {
    const writer = new GeminiAnswerWriter('gemini-x');
    assert.equal(writer.finishSeen, false);
    writer.start('r1');
    writer.text('');
    writer.reasoning('a');
    writer.reasoning('b');
    writer.reasoningSignature();
    writer.text('He');
    writer.text('llo');
    writer.refusal('!');
    writer.toolCall('c1', 'Read', 'sig');
    writer.toolArguments('{"p":');
    writer.toolArguments('2}');
    writer.text('after');
    writer.toolCall('c2', 'Grep', undefined);
    writer.toolArguments('');
    writer.usage({ input: 3, output: 2 });
    writer.finish('max_tokens');
    writer.other();
    assert.equal(writer.finishSeen, true);
    assert.deepEqual(writer.response(), {
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { text: 'ab', thought: true },
              { text: 'Hello!' },
              { functionCall: { name: 'Read', args: { p: 2 } }, thoughtSignature: 'sig' },
              { text: 'after' },
              { functionCall: { name: 'Grep', args: {} } },
            ],
          },
          index: 0,
          finishReason: 'MAX_TOKENS',
        },
      ],
      usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 },
      modelVersion: 'gemini-x',
      responseId: 'r1',
    });
  });

  it('says each finish in Gemini’s words and usage in its fields', () => {
    assert.deepEqual((['end', 'stop_sequence', 'tool_use', 'pause', 'max_tokens', 'refusal', 'cut', undefined] as const).map(geminiFinishReason), [
      'STOP',
      'STOP',
      'STOP',
      'STOP',
      'MAX_TOKENS',
      'SAFETY',
      'OTHER',
      'STOP',
    ]);
    assert.deepEqual(geminiUsageMetadata({ input: 1, output: 1, reasoning: 3, cacheRead: 0, cacheWrite: 0 }), {
      promptTokenCount: 1,
      candidatesTokenCount: 0,
      totalTokenCount: 2,
      thoughtsTokenCount: 3,
    });
  });
});

describe('Gemini generateContent: the format and the protocol entry', () => {
  it('reads usageMetadata without parsing: thinking as output, cached tokens inside the prompt', () => {
    const usage = emptyUsage();
    GEMINI_USAGE.scan('{"usage":{"promptTokenCount":9}}', usage);
    assert.deepEqual(usage, emptyUsage(), 'only usageMetadata counts');
    GEMINI_USAGE.scan('{"usageMetadata":{"promptTokenCount":12,"candidatesTokenCount":5,"thoughtsTokenCount":4,"cachedContentTokenCount":3}}', usage);
    assert.deepEqual(usage, { input: 12, output: 9, cacheRead: 3, cacheWrite: 0, cachedInInput: true });
    GEMINI_USAGE.scan('{"usageMetadata":{"promptTokenCount":2,"thoughtsTokenCount":20}}', usage);
    assert.deepEqual(usage, { input: 12, output: 20, cacheRead: 3, cacheWrite: 0, cachedInInput: true }, 'the larger of each, as totals are repeated');
    const bare = emptyUsage();
    GEMINI_USAGE.scan('{"usageMetadata":{"candidatesTokenCount":5}}', bare);
    assert.deepEqual(bare, { input: 0, output: 5, cacheRead: 0, cacheWrite: 0 });
  });

  it('ends a stream at the chunk with a finish reason, and ends a broken one with an error the SDK throws', () => {
    assert.equal(geminiGenerateFormat.isTerminal({ name: '', data: '{"candidates":[{"finishReason":"STOP"}]}' }), true);
    assert.equal(geminiGenerateFormat.isTerminal({ name: '', data: '{"candidates":[{"content":{"parts":[{"text":"say \\"finishReason\\""}]}}]}' }), false);
    assert.equal(geminiGenerateFormat.isTerminal({ name: '', data: undefined }), false);
    assert.equal(geminiProtocol.isTerminal({ name: '', data: '{"finishReason":"MAX_TOKENS"}' }), true);
    assert.equal(geminiProtocol.isPreamble({ name: '', data: '{}' }), false);
    assert.equal(geminiGenerateFormat.terminalStreamError('cut', {}), 'data: {"error":{"code":503,"message":"cut","status":"UNAVAILABLE"}}\n\n');
    assert.equal(geminiProtocol.terminalStreamError('generate', 'cut', {}), geminiGenerateFormat.terminalStreamError('cut', {}));
  });

  it('writes the path a translated request goes to, and takes models named either way', () => {
    assert.equal(geminiGenerateFormat.requestPath('gemini-2.5-pro', false), '/v1beta/models/gemini-2.5-pro:generateContent');
    assert.equal(geminiGenerateFormat.requestPath('models/gemini-2.5-pro', true), '/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse');
    assert.equal(geminiGenerateFormat.requestPath('a/b c', false), '/v1beta/models/a%2Fb%20c:generateContent');
    assert.equal(bareModel('models/x'), 'x');
    assert.equal(bareModel('x/models/y'), 'x/models/y');
  });

  it('answers in google.rpc.Status, with RetryInfo on its own 429', () => {
    assert.equal(
      geminiErrorBody('rate_limit_error', 'wait', 'code', { status: 429, retryAfterMs: 30_500 }),
      '{"error":{"code":429,"message":"wait","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"31s"}]}}',
    );
    assert.equal(
      geminiErrorBody('rate_limit_error', 'wait', undefined, { status: 429, retryAfterMs: 10 }),
      '{"error":{"code":429,"message":"wait","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1s"}]}}',
    );
    assert.equal(geminiErrorBody('rate_limit_error', 'wait'), '{"error":{"code":429,"message":"wait","status":"RESOURCE_EXHAUSTED"}}');
    assert.equal(geminiErrorBody('api_error', 'no pool', undefined, { status: 503 }), '{"error":{"code":503,"message":"no pool","status":"UNAVAILABLE"}}');
    const types = [
      ['invalid_request_error', 400, 'INVALID_ARGUMENT'],
      ['authentication_error', 401, 'UNAUTHENTICATED'],
      ['permission_error', 403, 'PERMISSION_DENIED'],
      ['not_found_error', 404, 'NOT_FOUND'],
      ['request_too_large', 413, 'INVALID_ARGUMENT'],
      ['api_error', 500, 'INTERNAL'],
      ['overloaded_error', 503, 'UNAVAILABLE'],
      ['timeout_error', 504, 'DEADLINE_EXCEEDED'],
    ] as const;
    for (const [type, code, status] of types) assert.deepEqual(JSON.parse(geminiErrorBody(type, 'm')), { error: { code, message: 'm', status } }, type);
    const statuses: [number, string][] = [
      [400, 'INVALID_ARGUMENT'],
      [409, 'ABORTED'],
      [422, 'INVALID_ARGUMENT'],
      [499, 'CANCELLED'],
      [501, 'UNIMPLEMENTED'],
      [502, 'INTERNAL'],
      [529, 'UNAVAILABLE'],
      [402, 'FAILED_PRECONDITION'],
    ];
    for (const [status, name] of statuses)
      assert.equal(geminiStatusErrorBody(status, 'x'), JSON.stringify({ error: { code: status, message: 'x', status: name } }));
    assert.equal(geminiProtocol.statusErrorBody(404, 'gone'), '{"error":{"code":404,"message":"gone","status":"NOT_FOUND"}}');
  });

  it('routes its paths: the model and the stream from the path, the key never forwarded', () => {
    const route = (url: string) => {
      const path = resolveClientPath(url, {});
      return path && [path.protocol, path.endpoint, path.model, path.stream, path.upstreamPath, path.pathForModel?.('models/other')];
    };
    assert.deepEqual(route('/gemini/v1beta/models/gemini-2.5-pro:generateContent'), [
      'gemini',
      'generate',
      'gemini-2.5-pro',
      false,
      '/v1beta/models/gemini-2.5-pro:generateContent',
      '/v1beta/models/other:generateContent',
    ]);
    assert.deepEqual(route('/gemini/v1beta/models/g:streamGenerateContent?alt=sse&key=kb-local'), [
      'gemini',
      'generate',
      'g',
      true,
      '/v1beta/models/g:streamGenerateContent?alt=sse',
      '/v1beta/models/other:streamGenerateContent?alt=sse',
    ]);
    assert.deepEqual(route('/gemini/v1beta/models/g:streamGenerateContent?key=kb-local'), [
      'gemini',
      'generate',
      'g',
      false,
      '/v1beta/models/g:streamGenerateContent',
      '/v1beta/models/other:streamGenerateContent',
    ]);
    assert.equal(resolveClientPath('/gemini/v1beta/models/g:streamGenerateContent', {})?.answerInList, true, 'without alt=sse the answer is a list');
    assert.equal(resolveClientPath('/gemini/v1beta/models/g:streamGenerateContent?alt=sse', {})?.answerInList, undefined);
    assert.equal(resolveClientPath('/gemini/v1beta/models/g:generateContent', {})?.answerInList, undefined);
    assert.deepEqual(route('/gemini/v1beta/models/g:streamGenerateContent?alt=ssex'), [
      'gemini',
      'generate',
      'g',
      false,
      '/v1beta/models/g:streamGenerateContent?alt=ssex',
      '/v1beta/models/other:streamGenerateContent?alt=ssex',
    ]);
    assert.deepEqual(route('/gemini/v1/models/a%2Fb:countTokens'), [
      'gemini',
      'count_tokens',
      'a/b',
      false,
      '/v1/models/a%2Fb:countTokens',
      '/v1/models/other:countTokens',
    ]);
    assert.deepEqual(route('/gemini/v1beta/models?pageSize=5&key=kb-local'), [
      'gemini',
      'models',
      undefined,
      undefined,
      '/v1beta/models?pageSize=5',
      undefined,
    ]);
    assert.deepEqual(route('/gemini/v1beta/models/g:embedContent'), ['gemini', 'other', undefined, undefined, '/v1beta/models/g:embedContent', undefined]);
    assert.deepEqual(route('/gemini/v1beta/models/g'), ['gemini', 'other', undefined, undefined, '/v1beta/models/g', undefined]);
    assert.deepEqual(
      route('/openai/v1/chat/completions?key=kept'),
      ['openai', 'chat', undefined, undefined, '/chat/completions?key=kept', undefined],
      'only Gemini takes its key in the query',
    );
    assert.equal(geminiProtocol.claimsUnknownUrl('/gemini/x', {}), true);
    assert.equal(geminiProtocol.claimsUnknownUrl('/x', { 'x-goog-api-key': 'k' }), true);
    assert.equal(geminiProtocol.claimsUnknownUrl('/x', {}), false);
    assert.equal(geminiProtocol.claimsBarePath('/v1/models', {}), false);
    assert.deepEqual(geminiProtocol.authHeaders('gm-key'), { 'x-goog-api-key': 'gm-key' });
    assert.deepEqual(geminiProtocol.defaultHeaders(), {});
    assert.deepEqual(geminiProtocol.tokenCountBody(12), { totalTokens: 12 });
  });

  it("lists the routes' models first, then the provider's own that are not among them", () => {
    const routed = [
      { id: 'gemini-2.5-pro', label: 'gemini-2.5-pro · KeyBridge: gm' },
      { id: 'models/fast', label: 'fast' },
    ];
    const upstream = {
      models: [{ name: 'models/gemini-2.5-pro', displayName: 'theirs' }, { name: 'models/other' }, 'junk', { displayName: 'no name' }],
      nextPageToken: 't',
    };
    assert.deepEqual(geminiProtocol.listModels(routed, upstream), {
      models: [
        { name: 'models/gemini-2.5-pro', displayName: 'gemini-2.5-pro · KeyBridge: gm', supportedGenerationMethods: ['generateContent', 'countTokens'] },
        { name: 'models/fast', displayName: 'fast', supportedGenerationMethods: ['generateContent', 'countTokens'] },
        { name: 'models/other' },
      ],
      nextPageToken: 't',
    });
    assert.deepEqual(geminiProtocol.listModels([], undefined), { models: [] });
    assert.deepEqual(geminiProtocol.listModels([], { models: 'x' }), { models: [] });
  });
});
