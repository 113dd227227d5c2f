/** The line end a file already uses (its first one), so lines we add match it; `\n` for a file without any. */
export function eolOf(text: string): '\n' | '\r\n' {
  const lf = text.indexOf('\n');
  return lf > 0 && text[lf - 1] === '\r' ? '\r\n' : '\n';
}
