// Invented organisation-name words for generated data: the number written in syllables, so every number gives
// a different word and generated names never collide by accident (and never name a real organisation).
const SYLLABLES =
  'ka lo mer vin sa tor bel ri an ost ul dra pen fis gor hal ix jun kes lum nor pra que rud sev tam wen yor zel'.split(
    ' ',
  );

export function inventedWord(n: number): string {
  let text = '';
  let rest = n;
  do {
    text += SYLLABLES[rest % SYLLABLES.length];
    rest = Math.floor(rest / SYLLABLES.length);
  } while (rest > 0);
  return text.replace(/^./, (c) => c.toUpperCase());
}

/** The smallest number whose word has three syllables: words from here on are all distinct and long. */
export const FIRST_LONG_WORD = SYLLABLES.length ** 2;
