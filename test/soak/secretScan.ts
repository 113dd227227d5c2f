/**
 * Looks for key material in everything the bridge wrote: the whole secret,
 * and any 12-character run of it, so a "masked" form that shows too much is
 * caught too. The fingerprint and the `sk-…abcd` mask are the only allowed forms.
 */
export class SecretScanner {
  private readonly needles: { secret: string; needle: string }[] = [];
  readonly bytesBySource = new Map<string, number>();
  readonly hits: { source: string; secretTail: string; excerpt: string }[] = [];

  constructor(secrets: readonly string[]) {
    for (const secret of secrets) {
      this.needles.push({ secret, needle: secret });
      // Runs of 12 from the random part (after the readable prefix), stepping by 4: any leak of 16+ chars hits one.
      for (let i = secret.length - 16; i >= 8; i -= 4) this.needles.push({ secret, needle: secret.slice(i, i + 12) });
    }
  }

  scan(source: string, text: string): void {
    this.bytesBySource.set(source, (this.bytesBySource.get(source) ?? 0) + text.length);
    for (const { secret, needle } of this.needles) {
      const at = text.indexOf(needle);
      if (at >= 0 && this.hits.length < 50) {
        this.hits.push({ source, secretTail: secret.slice(-4), excerpt: text.slice(Math.max(0, at - 60), at + needle.length + 20).replace(/\s+/g, ' ') });
      }
    }
  }
}
