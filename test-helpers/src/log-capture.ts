import { Writable } from 'node:stream';

/** One JSON log line as pino wrote it. */
export type LogLine = Record<string, unknown> & { level: number; msg: string };

export interface LogCapture {
  /** Pass as `createLogger(name, { destination })`. */
  destination: Writable;
  /** Every line written so far, parsed. */
  lines(): LogLine[];
  /** Lines whose message contains `text`. */
  find(text: string): LogLine[];
}

/** Collects a pino logger's JSON lines in memory so a test can see what was logged. */
export function captureLogs(): LogCapture {
  let buffered = '';
  const parsed: LogLine[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      buffered += String(chunk);
      let nl = buffered.indexOf('\n');
      while (nl !== -1) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.trim() !== '') parsed.push(JSON.parse(line) as LogLine);
        nl = buffered.indexOf('\n');
      }
      done();
    },
  });
  return {
    destination,
    lines: () => [...parsed],
    find: (text) => parsed.filter((l) => typeof l.msg === 'string' && l.msg.includes(text)),
  };
}
