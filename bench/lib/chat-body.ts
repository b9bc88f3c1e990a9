/**
 * Message bodies shaped like a chat's (figure 3, catch-up): 4–12 words, 8 on average, drawn from
 * a small everyday vocabulary so words repeat across messages as they do in real chats, plus the
 * message's number so every body differs. The filler `burst i of n` has four tokens, half of them
 * unique numbers: it understated what the device's search words cost to store (docs/benchmarks.md,
 * session 43).
 */
const VOCABULARY = (
  'ok yes no thanks sure great see you soon later tomorrow today tonight morning lunch dinner coffee meeting ' +
  'call me back when where what how are we going to the office home station train bus late early sorry ' +
  'good night love it sounds nice plan weekend book tickets film game doctor shop milk bread kids school ' +
  'done ready almost there just left arriving in ten minutes send photo address again please'
).split(' ');

/** A deterministic pseudo-random chat sentence for message `i` (the same run after run). */
export function chatBody(i: number): string {
  let x = (i + 1) * 2654435761;
  const next = () => ((x = (x ^ (x >>> 15)) * 2246822519 >>> 0), x);
  const length = 4 + (next() % 9);
  const words = Array.from({ length }, () => VOCABULARY[next() % VOCABULARY.length]!);
  return `${words.join(' ')} #${i}`;
}
