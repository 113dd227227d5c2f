import { longestQuote, redactSecrets } from '../secrets';
import type { PieceRedactor } from '../translation/streamTranslator';

/** Fields whose sent tail is remembered: the open blocks of a stream are a handful; older fields are done. */
const MAX_FIELDS = 32;

/**
 * Masks quotes of the attempt's key in the pieces of text a translated stream sends, without holding any piece
 * back: each piece is searched together with the tail of its field already sent (the longest spelling of a
 * quote), so a quote split across pieces is masked from the piece where it becomes one on. The characters
 * before that went out with their own pieces: at most 11 in a row, what the redactor never counts as a quote
 * anywhere (secrets.ts). Holding back each field's last characters instead would delay every delta.
 */
export function pieceRedactor(secret: string): PieceRedactor {
  const keep = longestQuote(secret);
  const sent = new Map<string, string>();
  return (field, piece) => {
    if (piece === '') return piece;
    const tail = sent.get(field) ?? '';
    const window = tail + piece;
    sent.delete(field); // re-inserted last: the map's order is the order fields were last written
    sent.set(field, window.length > keep ? window.slice(-keep) : window);
    if (sent.size > MAX_FIELDS) sent.delete(sent.keys().next().value as string);
    const clean = redactSecrets(window, [secret], 'body');
    return clean === window ? piece : clean.slice(tail.length);
  };
}
