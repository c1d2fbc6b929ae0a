/** The web search service's public surface, for the tool kit that runs `web_search` inside a response. */
export { createWebSearch, WEB_SEARCH_DEFAULTS, type WebSearch, type WebSearchOptions, type WebSearchRequest, type WebSearchResult, type PageResult, type FindResult, type PageRequestOptions } from './web-search.js';
export { WebSearchError, type WebSearchErrorCode } from './web-search-error.js';
export { contextBudget, composeResults, composePage, composeFind, findCitations, CITE_INSTRUCTION, type ContextSize, type ComposedResults, type UrlCitation, type WebSource } from './compose.js';
export { findInPage, PageReader, type PageText } from './page-reader.js';
export { createBackend, type BackendKind, type SearchHit, type SearchQuery, type UserLocation, type WebSearchBackend } from './backends.js';
