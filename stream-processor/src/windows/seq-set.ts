/**
 * The set of `seq` numbers a window holds, as sorted closed intervals
 * [a0, b0, a1, b1, …]. Seq is strictly increasing per device, so a window's
 * seqs are almost always one interval: dedup costs a few numbers per window.
 */
export type SeqSet = number[];

/** Adds `seq`; returns false when it was already there (a duplicate). */
export function addSeq(set: SeqSet, seq: number): boolean {
  const n = set.length;
  // Hot path: the next seq after the last interval.
  if (n > 0 && seq === (set[n - 1] as number) + 1) {
    set[n - 1] = seq;
    return true;
  }
  if (n === 0 || seq > (set[n - 1] as number) + 1) {
    set.push(seq, seq);
    return true;
  }
  // Find the first interval whose end >= seq - 1.
  let i = 0;
  while (i < n && (set[i + 1] as number) < seq - 1) i += 2;
  const a = set[i] as number;
  const b = set[i + 1] as number;
  if (seq >= a && seq <= b) return false;
  if (seq === b + 1) {
    set[i + 1] = seq;
    if (i + 2 < n && set[i + 2] === seq + 1) {
      set[i + 1] = set[i + 3] as number;
      set.splice(i + 2, 2);
    }
    return true;
  }
  if (seq === a - 1) {
    set[i] = seq;
    return true;
  }
  // seq < a - 1: a new interval before i.
  set.splice(i, 0, seq, seq);
  return true;
}

export function hasSeq(set: SeqSet, seq: number): boolean {
  for (let i = 0; i < set.length; i += 2) {
    if (seq >= (set[i] as number) && seq <= (set[i + 1] as number)) return true;
  }
  return false;
}
