import * as vscode from 'vscode';
import type { Logger } from '../../core/logger';
import type { BridgeHost } from '../host/bridgeHost';
import type { BridgeSync } from '../host/bridgeSync';
import type { DisposableLike } from '../shared/disposable';
import type { KeyStore } from '../keys/keyStore';
import { KeyBridgeChatModels, type BridgeUnavailable, type LanguageModelSources } from './languageModelProvider';
import type { BridgeAccess } from '../../core/languageModels/lmBridgeClient';
import { LANGUAGE_MODEL_VENDOR } from '../settings/lmModelSchema';
import { offeredModels, type OfferedModel } from './offeredModels';

export interface LanguageModelDeps {
  host: BridgeHost;
  keyStore: KeyStore;
  sync: BridgeSync;
  logger: Logger;
}

/** Registers KeyBridge's models with VS Code; disposing unregisters them and closes their connections. */
export function registerLanguageModels(deps: LanguageModelDeps): DisposableLike {
  const provider = new KeyBridgeChatModels(languageModelSources(deps), deps.logger);
  const registration = vscode.lm.registerLanguageModelChatProvider(LANGUAGE_MODEL_VENDOR, provider);
  return {
    dispose: () => {
      registration.dispose();
      provider.dispose();
    },
  };
}

function languageModelSources({ host, keyStore, sync, logger }: LanguageModelDeps): LanguageModelSources {
  let reported = '';
  return {
    models(): OfferedModel[] {
      const { models, problems } = offeredModels(languageModelsSetting(), sync.settings);
      // Said once per change: VS Code asks for the models often.
      const text = problems.join('\n');
      if (text !== reported) {
        reported = text;
        for (const problem of problems) logger.warn(`language models: ${problem}`);
      }
      return models;
    },
    onDidChange: (listener) => sync.onDidChange.on(listener),
    access: () => bridgeAccess(host, keyStore),
  };
}

/**
 * The setting as the user wrote it, or undefined when nobody did: `get()` would answer `[]` for an unset
 * array setting (VS Code's default for the type), and unset means "the routes with a concrete model".
 */
function languageModelsSetting(): unknown {
  const inspected = vscode.workspace.getConfiguration('keybridge').inspect('languageModels');
  return inspected?.workspaceFolderValue ?? inspected?.workspaceValue ?? inspected?.globalValue;
}

/** The bridge on this machine's port, whichever window owns it; the tokens are this window's copy of the shared ones. */
function bridgeAccess(host: BridgeHost, keyStore: KeyStore): BridgeAccess | BridgeUnavailable {
  if (host.portTaken) {
    return {
      unavailable: 'blocked',
      message: `Another program holds 127.0.0.1:${host.port}, so KeyBridge sends it no requests (the local token would go with them). See the KeyBridge log.`,
    };
  }
  const tokens = keyStore.snapshot?.tokens;
  if (!tokens) return { unavailable: 'not-running', message: 'KeyBridge is still reading its keys from secret storage; try again in a moment.' };
  if (host.role === 'owner' || host.role === 'follower') return { baseUrls: host.baseUrls, token: tokens.token, adminToken: tokens.adminToken };
  if (host.role === 'stopped') return { unavailable: 'not-running', message: 'KeyBridge is stopped. Run "KeyBridge: Start Bridge" to use its models.' };
  return { unavailable: 'not-running', message: `KeyBridge is not serving yet: ${host.detail}.` };
}
