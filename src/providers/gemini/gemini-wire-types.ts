/**
 * The slice of the Gemini API (`generativelanguage.googleapis.com/v1beta`) Switchboard speaks. Request types are
 * exact for what we send; response types are lenient (everything optional) because Google adds fields.
 */

export interface GeminiPart {
  text?: string;
  /** A thought summary part (only returned with `thinkingConfig.includeThoughts`). */
  thought?: boolean;
  /** Opaque reasoning state; must be sent back on the same part next turn. */
  thoughtSignature?: string;
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType?: string; fileUri: string };
  functionCall?: { name: string; args?: Record<string, unknown>; id?: string };
  functionResponse?: { name: string; response: Record<string, unknown>; id?: string };
  [other: string]: unknown;
}

export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
}

export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  /** OpenAPI-subset Schema (see convert-json-schema.ts); omitted for functions without parameters. */
  parameters?: Record<string, unknown>;
}

export interface GeminiThinkingConfig {
  includeThoughts?: boolean;
  thinkingBudget?: number;
  thinkingLevel?: 'minimal' | 'low' | 'medium' | 'high';
}

export interface GeminiGenerationConfig {
  temperature?: number;
  topP?: number;
  topK?: number;
  seed?: number;
  stopSequences?: string[];
  maxOutputTokens?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseMimeType?: string;
  responseJsonSchema?: Record<string, unknown>;
  thinkingConfig?: GeminiThinkingConfig;
}

export interface GeminiToolConfig {
  functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] };
}

export interface GeminiRequestBody {
  contents: GeminiContent[];
  systemInstruction?: { parts: { text: string }[] };
  tools?: { functionDeclarations: GeminiFunctionDeclaration[] }[];
  toolConfig?: GeminiToolConfig;
  generationConfig?: GeminiGenerationConfig;
}

// ---- responses (lenient) ------------------------------------------------------------------------------------

export interface GeminiUsageWire {
  promptTokenCount?: number | null;
  candidatesTokenCount?: number | null;
  thoughtsTokenCount?: number | null;
  cachedContentTokenCount?: number | null;
  toolUsePromptTokenCount?: number | null;
  totalTokenCount?: number | null;
}

export interface GeminiCandidateWire {
  content?: { role?: string | null; parts?: GeminiPart[] | null } | null;
  finishReason?: string | null;
  finishMessage?: string | null;
  index?: number | null;
}

export interface GeminiResponseChunk {
  candidates?: GeminiCandidateWire[] | null;
  promptFeedback?: { blockReason?: string | null; blockReasonMessage?: string | null } | null;
  usageMetadata?: GeminiUsageWire | null;
  modelVersion?: string | null;
  responseId?: string | null;
  error?: { code?: number | null; message?: string | null; status?: string | null } | null;
}
