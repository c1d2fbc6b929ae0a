/**
 * Flattened tools + Responses `tool_choice` → Gemini `tools` / `toolConfig.functionCallingConfig`.
 *
 * | tool_choice                             | functionCallingConfig                                         |
 * |-----------------------------------------|---------------------------------------------------------------|
 * | (not set), `auto`                       | (not sent: AUTO is Gemini's default)                          |
 * | `required`                              | mode ANY                                                      |
 * | `none`                                  | mode NONE                                                     |
 * | {type:function/custom, name}            | mode ANY, allowedFunctionNames [flat name]                    |
 * | {type:allowed_tools, mode:auto}         | declarations restricted to the allowed ones, mode AUTO        |
 * | {type:allowed_tools, mode:required}     | mode ANY, allowedFunctionNames [allowed flat names]           |
 * | hosted tool choices (web_search…)       | 400 by the service (responses/hosted-tools.ts)                |
 *
 * Every function travels as one `functionDeclarations` entry with `parameters` converted by
 * convert-json-schema.ts. `strict` has no Gemini equivalent: Gemini always follows the declared schema as far as
 * its Schema subset can express it.
 */
import type { ToolChoice } from '../../api/create-params.js';
import type { FlattenedTools } from '../tool-mapping.js';
import { allowedFlatNames, flatNameOf, unsupportedToolChoice } from '../tool-mapping.js';
import { convertToolParameters } from './convert-json-schema.js';
import type { GeminiFunctionDeclaration, GeminiRequestBody, GeminiToolConfig } from './gemini-wire-types.js';

export function prepareGeminiTools(
  flat: FlattenedTools,
  choice: ToolChoice | null | undefined,
  dropUnsupported: boolean,
  provider: string,
): Pick<GeminiRequestBody, 'tools' | 'toolConfig'> {
  let functions = flat.functions;
  let config: GeminiToolConfig['functionCallingConfig'] | undefined;

  if (choice === 'required') config = { mode: 'ANY' };
  else if (choice === 'none') config = { mode: 'NONE' };
  else if (choice && typeof choice === 'object') {
    const c = choice as Record<string, unknown>;
    if (c.type === 'function' || c.type === 'custom') {
      config = { mode: 'ANY', allowedFunctionNames: [flatNameOf(c)] };
    } else if (c.type === 'allowed_tools') {
      const allowed = allowedFlatNames(flat, (c.tools as Record<string, unknown>[] | undefined) ?? []);
      if (c.mode === 'required') {
        config = { mode: 'ANY', allowedFunctionNames: functions.filter((f) => allowed.has(f.name)).map((f) => f.name) };
      } else {
        functions = functions.filter((f) => allowed.has(f.name));
      }
    } else if (!dropUnsupported) {
      throw unsupportedToolChoice(c.type, provider);
    }
  }

  if (!functions.length) return {};
  const declarations = functions.map((f) => {
    const d: GeminiFunctionDeclaration = { name: f.name };
    if (f.description) d.description = f.description;
    const parameters = convertToolParameters(f.parameters);
    if (parameters) d.parameters = parameters;
    return d;
  });
  const out: Pick<GeminiRequestBody, 'tools' | 'toolConfig'> = { tools: [{ functionDeclarations: declarations }] };
  if (config) out.toolConfig = { functionCallingConfig: config };
  return out;
}

