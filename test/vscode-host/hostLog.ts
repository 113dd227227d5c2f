// The suite's only output channel: console.log in the extension host reaches the workbench (and, under
// code-server, the harness through `codeAutomationLog`), mixed with the workbench's own lines.

export const HOST_MARKER = '[kb-host]';

/** A line the harness prints as "what the check saw". */
export function say(line: string): void {
  console.log(`${HOST_MARKER} ${line}`);
}
