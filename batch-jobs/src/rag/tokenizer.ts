import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';

/** cl100k_base: the encoding of OpenAI's text-embedding-3 models, so chunk sizes are the API's token counts. */
let encoder: Tiktoken | undefined;

function enc(): Tiktoken {
  encoder ??= new Tiktoken(cl100k);
  return encoder;
}

export function countTokens(text: string): number {
  return enc().encode(text).length;
}

export function encodeTokens(text: string): number[] {
  return enc().encode(text);
}

export function decodeTokens(tokens: number[]): string {
  return enc().decode(tokens);
}
