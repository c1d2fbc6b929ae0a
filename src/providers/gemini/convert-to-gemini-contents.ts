/**
 * Responses items → Gemini `systemInstruction` + `contents`.
 *
 * | Responses item                          | Gemini                                                          |
 * |-----------------------------------------|-----------------------------------------------------------------|
 * | `instructions`, system/developer message| systemInstruction.parts[] (one text part each, in order)        |
 * | user message                            | `user` content: text / inlineData / fileData parts              |
 * | assistant message                       | `model` content: text parts (refusals as text)                  |
 * | function_call / custom_tool_call        | `model` functionCall {name (flattened), args, id?}               |
 * | function_call_output / custom_…_output  | `user` functionResponse {name, response, id?} (+ media parts)   |
 * | reasoning with a Gemini signature       | thoughtSignature re-attached to its part (thought-signature.ts) |
 * | reasoning without one                   | not sent: another vendor's state means nothing to Gemini, and   |
 * |                                         | Gemini never needs its own thought text back                    |
 *
 * Consecutive turns of the same role are merged into one content (Gemini wants user/model alternation).
 *
 * `functionResponse.response` must be a JSON object: an output that parses as a JSON object is sent as is,
 * anything else (plain text, arrays, numbers) as `{"output": <the output string>}` — Gemini's documented key for
 * a function's output. Images / files in an output array follow the functionResponse as ordinary parts of the
 * same user turn (every Gemini model reads those; multimodal function responses are Gemini 3 only).
 *
 * Gemini 3 rejects a function call step whose first call has no thought signature. History written by another
 * model, or by a client that dropped reasoning items, gets Google's documented `skip_thought_signature_validator`
 * stand-in on that call (not for Gemini 1.x / 2.x models, which do not validate).
 */
import { ApiError } from '../../api/errors.js';
import type { Item, ReasoningItem } from '../../api/items.js';
import { historyCallAsFunction, historyResult } from '../tool-mapping.js';
import { upstreamCallId } from './call-ids.js';
import { convertFilePart, convertImagePart } from './convert-media-part.js';
import type { GeminiContent, GeminiPart } from './gemini-wire-types.js';
import { decodeThoughtSignature, SKIP_SIGNATURE_VALIDATOR, type ThoughtSignatureRef } from './thought-signature.js';

export interface GeminiConversation {
  systemInstruction?: { parts: { text: string }[] };
  contents: GeminiContent[];
}

export function convertToGeminiContents(instructions: string | null, input: Item[], model: string): GeminiConversation {
  const system: { text: string }[] = [];
  if (instructions) system.push({ text: instructions });
  const callNames = new Map<string, string>();
  for (const item of input) {
    const call = historyCallAsFunction(item);
    if (call) callNames.set(call.callId, call.name);
  }

  const out = new ContentsBuilder(!isPreGemini3(model));
  input.forEach((item, i) => {
    const param = `input[${i}]`;
    const call = historyCallAsFunction(item);
    if (call) {
      const functionCall: NonNullable<GeminiPart['functionCall']> = { name: call.name, args: parseArguments(call.arguments) };
      const id = upstreamCallId(call.callId);
      if (id) functionCall.id = id;
      out.modelCall({ functionCall });
      return;
    }
    const result = historyResult(item);
    if (result) {
      const name = callNames.get(result.callId);
      if (!name) {
        throw new ApiError(400, `No function call with call_id '${result.callId}' precedes this output; Gemini needs the function's name.`, {
          param: `${param}.call_id`,
          code: 'invalid_value',
        });
      }
      const { response, extra } = functionResponseOf(result.output, `${param}.output`);
      const functionResponse: NonNullable<GeminiPart['functionResponse']> = { name, response };
      const id = upstreamCallId(result.callId);
      if (id) functionResponse.id = id;
      out.user({ functionResponse });
      for (const part of extra) out.user(part);
      return;
    }
    if (item.type === 'reasoning') {
      const ref = decodeThoughtSignature((item as ReasoningItem).encrypted_content);
      if (ref) out.modelSignature(ref, reasoningText(item as ReasoningItem));
      return;
    }
    if (item.type === 'message') {
      const role = String(item.role);
      const content = Array.isArray(item.content) ? (item.content as unknown as Record<string, unknown>[]) : [];
      if (role === 'system' || role === 'developer') {
        content.forEach((part, j) => system.push({ text: textOf(part, `${param}.content[${j}]`) }));
      } else if (role === 'assistant') {
        content.forEach((part, j) => out.modelText(textOf(part, `${param}.content[${j}]`)));
      } else {
        content.forEach((part, j) => out.user(userPart(part, `${param}.content[${j}]`)));
      }
      return;
    }
    throw new ApiError(400, `Input items of type '${item.type}' cannot be sent to a Gemini provider.`, {
      param: `${param}.type`,
      code: 'unsupported_parameter',
    });
  });

  const conversation: GeminiConversation = { contents: out.finish() };
  if (system.length) conversation.systemInstruction = { parts: system };
  return conversation;
}

/** Builds alternating user/model contents and places stored thought signatures on the parts they came with. */
class ContentsBuilder {
  private readonly contents: GeminiContent[] = [];
  /** A signature waiting for the next function call / text part of the current model turn. */
  private pending: { sig: string; kind: 'functionCall' | 'text' } | null = null;

  constructor(private readonly fillMissingSignatures: boolean) {}

  user(part: GeminiPart) {
    this.partsFor('user').push(part);
  }

  modelCall(part: GeminiPart) {
    const parts = this.partsFor('model');
    this.flushPendingUnless('functionCall');
    if (this.pending) {
      part.thoughtSignature = this.pending.sig;
      this.pending = null;
    }
    parts.push(part);
  }

  modelText(text: string) {
    const parts = this.partsFor('model');
    this.flushPendingUnless('text');
    const part: GeminiPart = { text };
    if (this.pending) {
      part.thoughtSignature = this.pending.sig;
      this.pending = null;
    }
    parts.push(part);
  }

  modelSignature(ref: ThoughtSignatureRef, thoughtText: string) {
    const parts = this.partsFor('model');
    this.flushPendingUnless(null);
    if (ref.part === 'thought') {
      parts.push({ text: thoughtText, thought: true, thoughtSignature: ref.sig });
    } else if (ref.part === 'text-prev') {
      const target = [...parts].reverse().find((p) => typeof p.text === 'string' && !p.thought);
      if (target && !target.thoughtSignature) target.thoughtSignature = ref.sig;
      else parts.push({ text: '', thoughtSignature: ref.sig });
    } else {
      this.pending = { sig: ref.sig, kind: ref.part === 'functionCall' ? 'functionCall' : 'text' };
    }
  }

  finish(): GeminiContent[] {
    this.closeModelTurn();
    return this.contents;
  }

  private partsFor(role: 'user' | 'model'): GeminiPart[] {
    const last = this.contents[this.contents.length - 1];
    if (last && last.role === role) return last.parts;
    this.closeModelTurn();
    const content: GeminiContent = { role, parts: [] };
    this.contents.push(content);
    return content.parts;
  }

  /** A signature whose part never came keeps its place as the empty text part Gemini itself sends for it. */
  private flushPendingUnless(kind: 'functionCall' | 'text' | null) {
    if (!this.pending || this.pending.kind === kind) return;
    const last = this.contents[this.contents.length - 1];
    last.parts.push({ text: '', thoughtSignature: this.pending.sig });
    this.pending = null;
  }

  private closeModelTurn() {
    const last = this.contents[this.contents.length - 1];
    if (!last || last.role !== 'model') return;
    this.flushPendingUnless(null);
    if (!this.fillMissingSignatures) return;
    const firstCall = last.parts.find((p) => p.functionCall);
    if (firstCall && !firstCall.thoughtSignature) firstCall.thoughtSignature = SKIP_SIGNATURE_VALIDATOR;
  }
}

/** Gemini 1.x / 2.x model ids; anything else (3.x, `-latest` aliases, future models) may validate signatures. */
function isPreGemini3(model: string): boolean {
  return /(^|\/)gemini-(1|2)([.-]|$)/i.test(model);
}

function parseArguments(args: string): Record<string, unknown> {
  if (!args.trim()) return {};
  try {
    const parsed = JSON.parse(args) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    return { value: parsed };
  } catch {
    // Gemini only takes an object; keep the text the model (or client) produced rather than lose it.
    return { arguments: args };
  }
}

function responseFromText(text: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    /* plain text */
  }
  return { output: text };
}

function functionResponseOf(output: unknown, param: string): { response: Record<string, unknown>; extra: GeminiPart[] } {
  if (typeof output === 'string') return { response: responseFromText(output), extra: [] };
  if (Array.isArray(output)) {
    const texts: string[] = [];
    const extra: GeminiPart[] = [];
    output.forEach((raw, j) => {
      const part = (raw ?? {}) as Record<string, unknown>;
      if (part.type === 'input_text' || part.type === 'output_text') texts.push(String(part.text ?? ''));
      else extra.push(userPart(part, `${param}[${j}]`));
    });
    return { response: responseFromText(texts.join('\n')), extra };
  }
  return { response: { output: JSON.stringify(output ?? null) }, extra: [] };
}

function userPart(part: Record<string, unknown>, param: string): GeminiPart {
  switch (part.type) {
    case 'input_image':
      return convertImagePart(part, param);
    case 'input_file':
      return convertFilePart(part, param);
    default:
      return { text: textOf(part, param) };
  }
}

function textOf(part: Record<string, unknown>, param: string): string {
  if (part.type === 'input_text' || part.type === 'output_text') return String(part.text ?? '');
  if (part.type === 'refusal') return String(part.refusal ?? '');
  throw new ApiError(400, `Content of type '${String(part.type)}' is not supported here by Gemini providers.`, {
    param: `${param}.type`,
    code: 'unsupported_parameter',
  });
}

/** The thought text a reasoning item carries (raw reasoning text when present, else its summary). */
function reasoningText(item: ReasoningItem): string {
  const content = Array.isArray(item.content) ? item.content.map((c) => c.text).join('') : '';
  if (content) return content;
  return Array.isArray(item.summary) ? item.summary.map((s) => s.text).join('') : '';
}
