// Placeholder until the VS Code glue lands; the bundle must build.
export function activate(): void {}
export function deactivate(): void {}
