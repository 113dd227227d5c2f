/** Every command the extension registers; package.json declares the same list (the manifest test checks). */
export const COMMAND_IDS = [
  'keybridge.addPool',
  'keybridge.removePool',
  'keybridge.addKeys',
  'keybridge.addKeysFromFile',
  'keybridge.addKeysFromClipboard',
  'keybridge.testKey',
  'keybridge.testPool',
  'keybridge.retireKey',
  'keybridge.restoreKey',
  'keybridge.removeKey',
  'keybridge.addRouteTarget',
  'keybridge.removeRouteTarget',
  'keybridge.copyBaseUrl',
  'keybridge.copyAgentSetup',
  'keybridge.connectAgents',
  'keybridge.disconnectAgents',
  'keybridge.showLog',
  'keybridge.showDashboard',
  'keybridge.startBridge',
  'keybridge.stopBridge',
  'keybridge.restartBridge',
  'keybridge.refresh',
  'keybridge.tryDemo',
  'keybridge.removeDemo',
] as const;

export type CommandId = (typeof COMMAND_IDS)[number];
