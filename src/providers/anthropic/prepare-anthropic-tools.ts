/**
 * Responses `tools` / `tool_choice` / `parallel_tool_calls` → Anthropic `tools` / `tool_choice`.
 *
 * | Responses                                  | Anthropic                                                  |
 * |--------------------------------------------|------------------------------------------------------------|
 * | function / namespace / custom tools        | {name, description, input_schema} via flattenTools         |
 * | hosted tools (web_search, mcp, …)           | left out by the service (responses/hosted-tools.ts)       |
 * | function `strict`                          | not forwarded: Anthropic strict tool use exists only on     |
 * |                                            | some models and has its own schema limits                  |
 * | tool_choice 'auto'                         | {type:'auto'}                                              |
 * | tool_choice 'required'                     | {type:'any'}                                               |
 * | tool_choice 'none'                         | {type:'none'}                                              |
 * | {type:'function', name[, namespace]}       | {type:'tool', name: flat name}                             |
 * | {type:'custom', name}                      | {type:'tool', name}                                        |
 * | {type:'allowed_tools', mode, tools}        | only the listed tools are sent; mode auto→auto, required→any |
 * | parallel_tool_calls: false                 | disable_parallel_tool_use: true on the tool_choice          |
 *
 * With extended thinking Anthropic accepts only auto/none: a forcing choice is a 400 naming `tool_choice`.
 */
import { ApiError } from '../../api/errors.js';
import type { CreateParams } from '../../api/create-params.js';
import { allowedFlatNames, flatNameOf, flattenTools, unsupportedToolChoice, type FlattenedTools } from '../tool-mapping.js';
import type { AnthropicTool, AnthropicToolChoice } from './anthropic-wire-types.js';

export interface PreparedTools {
  tools: AnthropicTool[] | undefined;
  toolChoice: AnthropicToolChoice | undefined;
  /** For mapping tool_use names in the answer back to what the client declared. */
  flattened: FlattenedTools;
}

export function prepareAnthropicTools(
  params: CreateParams,
  opts: { provider: string; dropUnsupported: boolean; thinking: boolean },
): PreparedTools {
  const flattened = flattenTools(params.tools, opts.dropUnsupported, opts.provider);
  let functions = flattened.functions;
  let choice: AnthropicToolChoice | undefined;
  const tc = params.tool_choice;

  if (tc === 'auto') choice = { type: 'auto' };
  else if (tc === 'none') choice = { type: 'none' };
  else if (tc === 'required') choice = { type: 'any' };
  else if (tc && typeof tc === 'object') {
    const o = tc as Record<string, unknown>;
    if (o.type === 'function' || o.type === 'custom') {
      const name = flatNameOf(o);
      if (!flattened.origins.has(name)) {
        throw new ApiError(400, `tool_choice names '${String(o.name)}', which is not among the request's tools.`, {
          param: 'tool_choice.name',
          code: 'invalid_value',
        });
      }
      choice = { type: 'tool', name };
    } else if (o.type === 'allowed_tools') {
      const allowed = allowedFlatNames(flattened, Array.isArray(o.tools) ? (o.tools as Record<string, unknown>[]) : []);
      functions = functions.filter((f) => allowed.has(f.name));
      choice = o.mode === 'required' ? { type: 'any' } : { type: 'auto' };
    } else if (!opts.dropUnsupported) {
      throw unsupportedToolChoice(o.type, opts.provider);
    }
  }

  if (functions.length === 0) {
    if (choice && (choice.type === 'any' || choice.type === 'tool')) {
      throw new ApiError(400, 'tool_choice requires a tool call but the request has no tools.', { param: 'tool_choice', code: 'invalid_value' });
    }
    return { tools: undefined, toolChoice: undefined, flattened };
  }

  if (opts.thinking && choice && (choice.type === 'any' || choice.type === 'tool')) {
    throw new ApiError(400,
      'Anthropic does not allow forcing a tool call (tool_choice required or a named tool) while reasoning is enabled; use tool_choice auto or set reasoning.effort to none.',
      { param: 'tool_choice', code: 'unsupported_parameter' });
  }

  if (params.parallel_tool_calls === false && choice?.type !== 'none') {
    choice = { ...(choice ?? { type: 'auto' }), disable_parallel_tool_use: true } as AnthropicToolChoice;
  }

  const tools: AnthropicTool[] = functions.map((f) => ({
    name: f.name,
    ...(f.description ? { description: f.description } : {}),
    input_schema: f.parameters,
  }));
  return { tools, toolChoice: choice, flattened };
}
