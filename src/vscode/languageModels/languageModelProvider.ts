import * as vscode from 'vscode';
import type { Subscription } from '../../core/emitter';
import type { Logger } from '../../core/logger';
import { primaryFormat, protocolAdapter } from '../../core/protocols/table';
import { estimateInputTokens } from '../../core/translation/tokenEstimate';
import { Disposable, toDisposable } from '../shared/disposable';
import { AnswerStreamError, type AnswerPart } from '../../core/languageModels/lmAnswer';
import { BridgeRefusal, LoopbackBridgeClient, type BridgeAccess } from '../../core/languageModels/lmBridgeClient';
import { toLmMessages } from './lmMessages';
import { bridgeRequestBody } from '../../core/languageModels/lmRequest';
import type { OfferedModel } from './offeredModels';

/** Why no request can be sent now; `blocked`: the port is held by a program that is not KeyBridge. */
export interface BridgeUnavailable {
  unavailable: 'blocked' | 'not-running';
  message: string;
}

/** What the provider reads from the rest of the extension (languageModels.ts composes it). */
export interface LanguageModelSources {
  /** The models to offer now. */
  models(): OfferedModel[];
  /** Fires when the models may have changed: the setting, pools or routes. */
  onDidChange(listener: () => void): Subscription;
  /** How to reach the bridge now (whichever window serves it), or why it cannot be reached. */
  access(): BridgeAccess | BridgeUnavailable;
}

/** The model information VS Code gets, with the name of the model the bridge is asked for. */
export interface KeyBridgeModelInformation extends vscode.LanguageModelChatInformation {
  readonly model: string;
}

/**
 * KeyBridge's models for VS Code's language model API (vendor `keybridge`): the model picker of Copilot Chat
 * and extensions using `vscode.lm`. Every request goes to the bridge on 127.0.0.1 (lmBridgeClient.ts).
 */
export class KeyBridgeChatModels extends Disposable implements vscode.LanguageModelChatProvider<KeyBridgeModelInformation> {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeLanguageModelChatInformation = this.changed.event;
  private readonly client = new LoopbackBridgeClient();
  private offered: string;

  constructor(
    private readonly sources: LanguageModelSources,
    private readonly logger: Logger,
  ) {
    super();
    this.offered = signature(sources.models());
    this._register(
      sources.onDidChange(() => {
        // Key changes and unrelated settings fire too; VS Code re-reads the models only when they changed.
        const next = signature(sources.models());
        if (next === this.offered) return;
        this.offered = next;
        this.changed.fire();
      }),
    );
    this._register(toDisposable(() => void this.client.close()));
  }

  provideLanguageModelChatInformation(): KeyBridgeModelInformation[] {
    return this.sources.models().map((m) => ({
      id: m.id,
      name: m.name,
      family: m.model,
      version: m.model,
      model: m.model,
      detail: 'KeyBridge',
      tooltip: `${m.model} through KeyBridge (${protocolAdapter(m.protocol).label} ${primaryFormat(m.protocol).label}): ${m.servedBy}. Keys rotate and fail over as the route says.`,
      maxInputTokens: m.maxInputTokens,
      maxOutputTokens: m.maxOutputTokens,
      capabilities: { toolCalling: m.toolCalling, imageInput: m.imageInput },
    }));
  }

  async provideLanguageModelChatResponse(
    model: KeyBridgeModelInformation,
    messages: readonly vscode.LanguageModelChatRequestMessage[],
    options: vscode.ProvideLanguageModelChatResponseOptions,
    progress: vscode.Progress<vscode.LanguageModelResponsePart>,
    token: vscode.CancellationToken,
  ): Promise<void> {
    // Looked up again: the setting may have changed since VS Code listed the model.
    const offered = this.sources.models().find((m) => m.id === model.id);
    if (!offered) throw vscode.LanguageModelError.NotFound(`KeyBridge no longer offers the model "${model.id}" (see the keybridge.languageModels setting).`);
    const access = this.sources.access();
    if ('unavailable' in access)
      throw access.unavailable === 'blocked' ? vscode.LanguageModelError.Blocked(access.message) : new vscode.LanguageModelError(access.message);
    const tools = offered.toolCalling ? (options.tools ?? []) : [];
    const { body, notes } = bridgeRequestBody(offered, {
      messages: toLmMessages(messages),
      tools: tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema })),
      toolMode: options.toolMode === vscode.LanguageModelChatToolMode.Required ? 'required' : 'auto',
      modelOptions: options.modelOptions,
    });
    if (notes.dropped.length) this.logger.info(`language model ${offered.id}: not carried: ${[...new Set(notes.dropped)].join(', ')}`);

    const abort = new AbortController();
    const cancelled = token.onCancellationRequested(() => abort.abort());
    if (token.isCancellationRequested) abort.abort();
    try {
      for await (const part of this.client.stream(access, offered.protocol, body, abort.signal, offered.model)) progress.report(responsePart(part));
    } catch (error) {
      // Aborting the request is what ends it upstream: the bridge sees the client go and stops the provider's answer.
      if (abort.signal.aborted) throw new vscode.CancellationError();
      throw languageModelError(error);
    } finally {
      cancelled.dispose();
    }
  }

  /**
   * An estimate, not a count: four characters per token and 1,600 per image — the figure the bridge answers
   * Anthropic `count_tokens` with on a route that has no tokenizer (core/translation/tokenEstimate.ts).
   */
  provideTokenCount(model: KeyBridgeModelInformation, text: string | vscode.LanguageModelChatRequestMessage): Promise<number> {
    if (typeof text === 'string') return Promise.resolve(Math.ceil(text.length / 4));
    const { body } = bridgeRequestBody(
      { protocol: 'anthropic', model: model.model, maxOutputTokens: 1 },
      { messages: toLmMessages([text]), tools: [], toolMode: 'auto' },
    );
    return Promise.resolve(estimateInputTokens(body));
  }
}

function signature(models: readonly unknown[]): string {
  return JSON.stringify(models);
}

function responsePart(part: AnswerPart): vscode.LanguageModelResponsePart {
  return part.kind === 'text' ? new vscode.LanguageModelTextPart(part.text) : new vscode.LanguageModelToolCallPart(part.callId, part.name, part.input);
}

/** The bridge's answer as the LanguageModelError VS Code's callers check `code` on; the message is the bridge's. */
function languageModelError(error: unknown): unknown {
  if (error instanceof BridgeRefusal) {
    if (error.kind === 'no-permissions') return vscode.LanguageModelError.NoPermissions(error.message);
    if (error.kind === 'blocked') return vscode.LanguageModelError.Blocked(error.message);
    if (error.kind === 'not-found') return vscode.LanguageModelError.NotFound(error.message);
    return new vscode.LanguageModelError(error.message);
  }
  if (error instanceof AnswerStreamError) return new vscode.LanguageModelError(error.message);
  return error;
}
