import type { KeyState } from '../core/keys/keyHealth';

/** The tree view's id; its `<id>.focus` command is what the status bar item runs. */
export const VIEW_ID = 'keybridge.keys';

/** `contextValue`s the tree emits; package.json menus match them with `viewItem == …` (the manifest test checks). */
export const POOL_CONTEXT = 'pool';
export const KEY_CONTEXT: Record<KeyState, string> = {
  ready: 'key.ready',
  cooling: 'key.cooling',
  exhausted: 'key.exhausted',
  invalid: 'key.invalid',
  retired: 'key.retired',
};
export const TREE_CONTEXT_VALUES: readonly string[] = [POOL_CONTEXT, ...Object.values(KEY_CONTEXT)];
