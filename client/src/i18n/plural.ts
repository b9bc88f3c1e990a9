/**
 * vue-i18n's plural choice by the language's own rules (Intl.PluralRules), not vue-i18n's English
 * default: French says "0 message non envoyé" (0 and 1 are singular), English "0 unsent messages".
 *
 * A message has two forms ("one | other") or three ("zero | one | other", where a language wants a
 * sentence of its own for none: "No messages"). Used for both languages (index.ts).
 */
export function pluralChooser(locale: string): (choice: number, choicesLength: number) => number {
  const rules = new Intl.PluralRules(locale);
  return (choice, choicesLength) => {
    const n = Math.abs(choice);
    if (choicesLength >= 3) return n === 0 ? 0 : rules.select(n) === 'one' ? 1 : 2;
    return rules.select(n) === 'one' ? 0 : 1;
  };
}
