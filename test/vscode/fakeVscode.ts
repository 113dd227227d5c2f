/**
 * A small stand-in for the `vscode` module: enough of the API for the glue
 * under test, with scripted input boxes, quick picks and message answers.
 * Loaded through `vscodeHook.ts`, which makes `require('vscode')` resolve here.
 */

type Listener<T> = (value: T) => unknown;

export class Disposable {
  constructor(private readonly fn: () => unknown = () => undefined) {}
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((i) => i.dispose()));
  }
  dispose(): void {
    this.fn();
  }
}

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.push(listener);
    return new Disposable(() => (this.listeners = this.listeners.filter((l) => l !== listener)));
  };
  fire(value: T): void {
    for (const l of [...this.listeners]) l(value);
  }
  get listenerCount(): number {
    return this.listeners.length;
  }
  dispose(): void {
    this.listeners = [];
  }
}

export enum TreeItemCollapsibleState {
  None = 0,
  Collapsed = 1,
  Expanded = 2,
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

export class ThemeIcon {
  constructor(
    readonly id: string,
    readonly color?: ThemeColor,
  ) {}
}

export class MarkdownString {
  isTrusted?: boolean | { enabledCommands: string[] };
  constructor(
    public value = '',
    public supportThemeIcons = false,
  ) {}
}

export enum ViewColumn {
  Active = -1,
  One = 1,
}

export class TreeItem {
  id?: string;
  description?: string;
  tooltip?: string | MarkdownString;
  contextValue?: string;
  iconPath?: ThemeIcon;
  constructor(
    public label: string,
    public collapsibleState: TreeItemCollapsibleState = TreeItemCollapsibleState.None,
  ) {}
}

export enum StatusBarAlignment {
  Left = 1,
  Right = 2,
}

export enum ConfigurationTarget {
  Global = 1,
  Workspace = 2,
  WorkspaceFolder = 3,
}

export enum ProgressLocation {
  SourceControl = 1,
  Window = 10,
  Notification = 15,
}

export enum InputBoxValidationSeverity {
  Info = 1,
  Warning = 2,
  Error = 3,
}

export const Uri = {
  file: (path: string): FakeUri => ({ scheme: 'file', fsPath: path, path }),
  parse: (text: string): FakeUri => ({ scheme: text.slice(0, text.indexOf(':')), fsPath: text, path: text }),
  joinPath: (base: FakeUri, ...parts: string[]): FakeUri => {
    const path = [base.path, ...parts].join('/');
    return { scheme: base.scheme, fsPath: path, path };
  },
};

/** A webview panel as `window.createWebviewPanel` made it: its page, what it was posted, and how to act as its user. */
export interface FakeWebviewPanel {
  viewType: string;
  title: string;
  options: unknown;
  visible: boolean;
  revealed: number;
  disposed: boolean;
  webview: {
    html: string;
    cspSource: string;
    posted: unknown[];
    asWebviewUri(uri: FakeUri): string;
    postMessage(message: unknown): Promise<boolean>;
    onDidReceiveMessage: (listener: (m: unknown) => void) => Disposable;
  };
  /** What the page's script sends, as it would. */
  receive(message: unknown): void;
  /** The user hides (another tab in front) or shows the panel. */
  setVisible(visible: boolean): void;
  reveal(): void;
  dispose(): void;
  onDidChangeViewState: (listener: () => void) => Disposable;
  onDidDispose: (listener: () => void) => Disposable;
}

function webviewPanel(viewType: string, title: string, options: unknown): FakeWebviewPanel {
  const received = new EventEmitter<unknown>();
  const viewState = new EventEmitter<void>();
  const disposed = new EventEmitter<void>();
  const panel: FakeWebviewPanel = {
    viewType,
    title,
    options,
    visible: true,
    revealed: 0,
    disposed: false,
    webview: {
      html: '',
      cspSource: 'https://fake.vscode-cdn.net',
      posted: [],
      asWebviewUri: (uri) => `https://fake.vscode-cdn.net${uri.path}`,
      postMessage: (message) => {
        if (panel.disposed) return Promise.resolve(false);
        panel.webview.posted.push(message);
        return Promise.resolve(true);
      },
      onDidReceiveMessage: received.event,
    },
    receive: (message) => received.fire(message),
    setVisible: (visible) => {
      panel.visible = visible;
      viewState.fire();
    },
    reveal: () => {
      panel.revealed++;
      panel.setVisible(true);
    },
    dispose: () => {
      if (panel.disposed) return;
      panel.disposed = true;
      panel.visible = false;
      disposed.fire();
    },
    onDidChangeViewState: viewState.event,
    onDidDispose: disposed.event,
  };
  return panel;
}

// ---- scripting ----------------------------------------------------------------

export interface InputBoxOptions {
  title?: string;
  prompt?: string;
  value?: string;
  password?: boolean;
  ignoreFocusOut?: boolean;
  placeHolder?: string;
  validateInput?(value: string): unknown;
}

export interface QuickPickItemLike {
  label: string;
  description?: string;
  detail?: string;
  [extra: string]: unknown;
}

/** An answer to an input box: a value, `undefined` (Escape), or a function of the options. */
export type InputAnswer = string | undefined | ((options: InputBoxOptions) => string | undefined);
/** An answer to a quick pick: the label to pick (labels, for `canPickMany`), `undefined` (Escape), or a chooser. */
export type PickAnswer = string | string[] | undefined | ((items: QuickPickItemLike[]) => QuickPickItemLike | QuickPickItemLike[] | undefined);

export interface FakeUri {
  scheme: string;
  fsPath: string;
  path: string;
}

export interface MessageRecord {
  level: 'info' | 'warning' | 'error';
  text: string;
  items: string[];
  modal: boolean;
}

export interface FakeOutputChannel {
  name: string;
  lines: string[];
  shown: number;
}

export interface FakeStatusBarItem {
  id: string;
  text: string;
  tooltip: unknown;
  command: unknown;
  backgroundColor: ThemeColor | undefined;
  name: string;
  visible: boolean;
}

export enum UIKind {
  Desktop = 1,
  Web = 2,
}

export const fake = {
  inputAnswers: [] as InputAnswer[],
  pickAnswers: [] as PickAnswer[],
  /** Answers to messages that offer buttons (or modals), in order; an empty queue means "dismissed". */
  messageAnswers: [] as (string | undefined)[],
  inputBoxes: [] as InputBoxOptions[],
  quickPicks: [] as { items: QuickPickItemLike[]; options: unknown }[],
  /** What validateInput said about each scripted answer. */
  validations: [] as unknown[],
  messages: [] as MessageRecord[],
  clipboard: '',
  /** Files `workspace.fs` reads, by path; the fake has no way to write one. */
  files: new Map<string, string>(),
  /** Answers to open dialogs, in order: the picked files, or `undefined` (Cancel). */
  openDialogAnswers: [] as (FakeUri[] | undefined)[],
  openDialogs: [] as unknown[],
  /** Cancels the notification progress under way, as its Cancel button does. */
  cancelProgress: (): void => undefined,
  settings: new Map<string, unknown>(),
  settingWrites: [] as { key: string; value: unknown; target: unknown }[],
  commands: new Map<string, (...args: unknown[]) => unknown>(),
  executed: [] as { id: string; args: unknown[] }[],
  contexts: new Map<string, unknown>(),
  channels: [] as FakeOutputChannel[],
  statusBarItems: [] as FakeStatusBarItem[],
  webviewPanels: [] as FakeWebviewPanel[],
  treeViews: [] as { id: string; message: string | undefined; provider: unknown }[],
  /** Language model chat providers by vendor, as `lm.registerLanguageModelChatProvider` got them. */
  lmProviders: new Map<string, unknown>(),
  configListeners: new EventEmitter<{ affectsConfiguration(section: string): boolean }>(),
  /** Installed extensions by id (vscode.extensions.getExtension). */
  extensions: new Set<string>(),
  /** Documents shown with showTextDocument, by their text. */
  shownDocuments: [] as string[],
  contentProviders: new Map<string, { provideTextDocumentContent(uri: unknown): string }>(),
  windowState: new EventEmitter<{ focused: boolean }>(),
  /** Web: browser-based VS Code (code-server), where each window has its own copy of SecretStorage. */
  uiKind: UIKind.Desktop as UIKind,

  reset(): void {
    this.inputAnswers = [];
    this.pickAnswers = [];
    this.messageAnswers = [];
    this.inputBoxes = [];
    this.quickPicks = [];
    this.validations = [];
    this.messages = [];
    this.clipboard = '';
    this.files = new Map();
    this.openDialogAnswers = [];
    this.openDialogs = [];
    this.cancelProgress = () => undefined;
    this.settings = new Map();
    this.settingWrites = [];
    this.commands = new Map();
    this.executed = [];
    this.contexts = new Map();
    this.channels = [];
    this.statusBarItems = [];
    this.webviewPanels = [];
    this.treeViews = [];
    this.lmProviders = new Map();
    this.configListeners = new EventEmitter();
    this.extensions = new Set();
    this.shownDocuments = [];
    this.contentProviders = new Map();
    this.windowState = new EventEmitter();
    this.uiKind = UIKind.Desktop;
  },

  /** Sets a `keybridge.*` setting as the user would, firing the change event. */
  setSetting(key: string, value: unknown): void {
    this.settings.set(key, value);
    this.configListeners.fire({ affectsConfiguration: (section: string) => key === section || key.startsWith(`${section}.`) });
  },

  messagesOf(level: MessageRecord['level']): string[] {
    return this.messages.filter((m) => m.level === level).map((m) => m.text);
  },
};

function isBlocking(validation: unknown): boolean {
  if (validation === undefined || validation === null || validation === '') return false;
  if (typeof validation === 'string') return true;
  return (validation as { severity?: number }).severity === InputBoxValidationSeverity.Error;
}

function message(level: MessageRecord['level']) {
  return (text: string, ...rest: unknown[]): Promise<string | undefined> => {
    const modal = typeof rest[0] === 'object' && rest[0] !== null && (rest[0] as { modal?: boolean }).modal === true;
    const items = rest.filter((r): r is string => typeof r === 'string');
    fake.messages.push({ level, text, items, modal });
    if (items.length === 0) return Promise.resolve(undefined);
    return Promise.resolve(fake.messageAnswers.shift());
  };
}

export const window = {
  async showInputBox(options: InputBoxOptions = {}): Promise<string | undefined> {
    fake.inputBoxes.push(options);
    if (fake.inputAnswers.length === 0) throw new Error(`unexpected input box: ${options.title ?? options.prompt}`);
    const answer = fake.inputAnswers.shift();
    const value = typeof answer === 'function' ? answer(options) : answer;
    if (value === undefined) return undefined;
    if (options.validateInput) {
      const validation = await options.validateInput(value);
      fake.validations.push(validation);
      // A user cannot accept a value the box marks as an error; the test's user gives up.
      if (isBlocking(validation)) return undefined;
    }
    return value;
  },

  async showQuickPick(
    items: QuickPickItemLike[] | Promise<QuickPickItemLike[]>,
    options?: unknown,
  ): Promise<QuickPickItemLike | QuickPickItemLike[] | undefined> {
    const list = await items;
    fake.quickPicks.push({ items: list, options });
    if (fake.pickAnswers.length === 0) throw new Error(`unexpected quick pick: ${JSON.stringify((options as { title?: string } | undefined)?.title)}`);
    const answer = fake.pickAnswers.shift();
    if (answer === undefined) return undefined;
    if (typeof answer === 'function') return answer(list);
    if (Array.isArray(answer)) {
      if ((options as { canPickMany?: boolean } | undefined)?.canPickMany !== true) throw new Error('several labels answer a quick pick without canPickMany');
      return answer.map((label) => {
        const found = list.find((i) => i.label === label);
        if (!found) throw new Error(`quick pick has no item "${label}": ${list.map((i) => i.label).join(', ')}`);
        return found;
      });
    }
    const found = list.find((i) => i.label === answer);
    if (!found) throw new Error(`quick pick has no item "${answer}": ${list.map((i) => i.label).join(', ')}`);
    return found;
  },

  showInformationMessage: message('info'),
  showWarningMessage: message('warning'),
  showErrorMessage: message('error'),

  setStatusBarMessage(text: string): Disposable {
    fake.messages.push({ level: 'info', text, items: [], modal: false });
    return new Disposable();
  },

  async withProgress<T>(_options: unknown, task: (progress: { report(v: unknown): void }, token: unknown) => Promise<T>): Promise<T> {
    const cancelled = new EventEmitter<void>();
    const token = { isCancellationRequested: false, onCancellationRequested: cancelled.event };
    fake.cancelProgress = () => {
      token.isCancellationRequested = true;
      cancelled.fire();
    };
    return task({ report: () => undefined }, token);
  },

  async showOpenDialog(options: unknown): Promise<FakeUri[] | undefined> {
    fake.openDialogs.push(options);
    if (fake.openDialogAnswers.length === 0) throw new Error('unexpected open dialog');
    return fake.openDialogAnswers.shift();
  },

  createOutputChannel(name: string) {
    const channel: FakeOutputChannel = { name, lines: [], shown: 0 };
    fake.channels.push(channel);
    const write = (level: string) => (m: string) => channel.lines.push(`${level} ${m}`);
    return Object.assign(channel, {
      trace: write('trace'),
      debug: write('debug'),
      info: write('info'),
      warn: write('warn'),
      error: write('error'),
      appendLine: write('line'),
      show: () => channel.shown++,
      dispose: () => undefined,
    });
  },

  createWebviewPanel(viewType: string, title: string, _column: unknown, options: unknown): FakeWebviewPanel {
    const panel = webviewPanel(viewType, title, options);
    fake.webviewPanels.push(panel);
    return panel;
  },

  createStatusBarItem(id: string): FakeStatusBarItem & { show(): void; hide(): void; dispose(): void } {
    const item: FakeStatusBarItem = { id, text: '', tooltip: undefined, command: undefined, backgroundColor: undefined, name: '', visible: false };
    fake.statusBarItems.push(item);
    return Object.assign(item, {
      show: () => (item.visible = true),
      hide: () => (item.visible = false),
      dispose: () => (item.visible = false),
    });
  },

  createTreeView(id: string, options: { treeDataProvider: unknown }) {
    const view = { id, message: undefined as string | undefined, provider: options.treeDataProvider, dispose: () => undefined, reveal: async () => undefined };
    fake.treeViews.push(view);
    return view;
  },

  async showTextDocument(doc: { getText(): string }): Promise<unknown> {
    fake.shownDocuments.push(doc.getText());
    return undefined;
  },

  onDidChangeWindowState(listener: Listener<{ focused: boolean }>): Disposable {
    return fake.windowState.event(listener);
  },

  registerTreeDataProvider(id: string, provider: unknown): Disposable {
    fake.treeViews.push({ id, message: undefined, provider });
    return new Disposable();
  },
};

export const commands = {
  registerCommand(id: string, fn: (...args: unknown[]) => unknown): Disposable {
    if (fake.commands.has(id)) throw new Error(`command ${id} already registered`);
    fake.commands.set(id, fn);
    return new Disposable(() => fake.commands.delete(id));
  },
  async executeCommand(id: string, ...args: unknown[]): Promise<unknown> {
    fake.executed.push({ id, args });
    if (id === 'setContext') {
      fake.contexts.set(args[0] as string, args[1]);
      return undefined;
    }
    const fn = fake.commands.get(id);
    return fn ? fn(...args) : undefined;
  },
};

function fileOf(uri: FakeUri): string {
  const text = fake.files.get(uri.path);
  if (text === undefined) throw new Error(`EntryNotFound (FileSystemError): ${uri.path}`);
  return text;
}

export const workspace = {
  workspaceFolders: undefined as { uri: FakeUri }[] | undefined,
  fs: {
    async stat(uri: FakeUri): Promise<{ size: number }> {
      return { size: Buffer.byteLength(fileOf(uri)) };
    },
    async readFile(uri: FakeUri): Promise<Uint8Array> {
      return new TextEncoder().encode(fileOf(uri));
    },
  },
  getConfiguration(section: string) {
    const full = (name: string): string => `${section}.${name}`;
    return {
      get<T>(name: string, fallback?: T): T | undefined {
        return fake.settings.has(full(name)) ? (fake.settings.get(full(name)) as T) : fallback;
      },
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- WorkspaceConfiguration.inspect's own signature
      inspect<T>(name: string): { key: string; globalValue?: T } {
        return { key: full(name), globalValue: fake.settings.get(full(name)) as T | undefined };
      },
      async update(name: string, value: unknown, target: unknown): Promise<void> {
        fake.settingWrites.push({ key: full(name), value, target });
        fake.setSetting(full(name), value);
      },
    };
  },
  onDidChangeConfiguration(listener: Listener<{ affectsConfiguration(section: string): boolean }>): Disposable {
    return fake.configListeners.event(listener);
  },
  registerTextDocumentContentProvider(scheme: string, provider: { provideTextDocumentContent(uri: unknown): string }): Disposable {
    fake.contentProviders.set(scheme, provider);
    return new Disposable(() => fake.contentProviders.delete(scheme));
  },
  async openTextDocument(uri: { scheme: string }): Promise<{ getText(): string }> {
    const provider = fake.contentProviders.get(uri.scheme);
    if (!provider) throw new Error(`no content provider for ${uri.scheme}`);
    const text = provider.provideTextDocumentContent(uri);
    return { getText: () => text };
  },
};

export const extensions = {
  getExtension(id: string): { id: string } | undefined {
    return fake.extensions.has(id) ? { id } : undefined;
  },
};

export const env = {
  get uiKind(): UIKind {
    return fake.uiKind;
  },
  clipboard: {
    async writeText(text: string): Promise<void> {
      fake.clipboard = text;
    },
    async readText(): Promise<string> {
      return fake.clipboard;
    },
  },
};

// ---- language models (the Language Model Chat Provider API, VS Code 1.104) ---------------------------

export enum LanguageModelChatMessageRole {
  User = 1,
  Assistant = 2,
}

export enum LanguageModelChatToolMode {
  Auto = 1,
  Required = 2,
}

export class LanguageModelTextPart {
  constructor(public value: string) {}
}

export class LanguageModelToolCallPart {
  constructor(
    public callId: string,
    public name: string,
    public input: object,
  ) {}
}

export class LanguageModelToolResultPart {
  constructor(
    public callId: string,
    public content: unknown[],
  ) {}
}

export class LanguageModelPromptTsxPart {
  constructor(public value: unknown) {}
}

/** Newer than the API the extension builds against; VS Code 1.139 sends it (images, JSON, cache hints). */
export class LanguageModelDataPart {
  constructor(
    public data: Uint8Array,
    public mimeType: string,
  ) {}
}

export class LanguageModelError extends Error {
  static NotFound(message?: string): LanguageModelError {
    return new LanguageModelError(message, 'NotFound');
  }
  static NoPermissions(message?: string): LanguageModelError {
    return new LanguageModelError(message, 'NoPermissions');
  }
  static Blocked(message?: string): LanguageModelError {
    return new LanguageModelError(message, 'Blocked');
  }
  readonly code: string;
  constructor(message?: string, code?: string) {
    super(message);
    this.name = 'LanguageModelError';
    this.code = code ?? '';
  }
}

export class CancellationError extends Error {
  constructor() {
    super('Canceled');
    this.name = 'Canceled';
  }
}

export class CancellationTokenSource {
  private readonly cancelled = new EventEmitter<void>();
  private requested = false;
  readonly token: { readonly isCancellationRequested: boolean; onCancellationRequested(listener: Listener<void>): Disposable };
  constructor() {
    const requested = (): boolean => this.requested;
    this.token = {
      get isCancellationRequested() {
        return requested();
      },
      onCancellationRequested: (listener) => this.cancelled.event(listener),
    };
  }
  cancel(): void {
    if (this.requested) return;
    this.requested = true;
    this.cancelled.fire();
  }
  dispose(): void {
    this.cancelled.dispose();
  }
}

export const lm = {
  registerLanguageModelChatProvider(vendor: string, provider: unknown): Disposable {
    if (fake.lmProviders.has(vendor)) throw new Error(`Chat model provider for vendor ${vendor} is already registered.`);
    fake.lmProviders.set(vendor, provider);
    return new Disposable(() => fake.lmProviders.delete(vendor));
  },
};
