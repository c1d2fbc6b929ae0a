/**
 * linkedom and Readability, loaded on first use (synchronously: their callers are synchronous). Together they
 * add ~5 MB of heap and ~90 ms of start-up that a server reading no web page or HTML file never needs.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

let linkedom: typeof import('linkedom') | null = null;
let readability: typeof import('@mozilla/readability') | null = null;

export function parseHTML(html: string): ReturnType<typeof import('linkedom')['parseHTML']> {
  linkedom ??= require('linkedom') as typeof import('linkedom');
  return linkedom.parseHTML(html);
}

export function readabilityClass(): typeof import('@mozilla/readability')['Readability'] {
  readability ??= require('@mozilla/readability') as typeof import('@mozilla/readability');
  return readability.Readability;
}
