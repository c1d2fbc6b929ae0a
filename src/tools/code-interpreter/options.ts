/**
 * The code interpreter's limits. The integrator maps the YAML keys onto this (README, "Code interpreter and
 * containers"): `tools.code_interpreter.*`.
 */
export interface CodeInterpreterOptions {
  /** Wall clock per call; past it the interpreter is killed and the call reports a timeout. */
  timeoutMs: number;
  /**
   * Resident memory of one interpreter process (Node + the Pyodide runtime, ~180 MB idle); past it the process
   * is killed. Also the cap on a container's `memory_limit`.
   */
  memoryLimitMb: number;
  /** stdout + stderr kept per call; the rest is dropped and a note says how much. */
  maxOutputBytes: number;
  /** A file the code writes under /mnt/data larger than this is not stored (the logs say so). */
  maxFileBytes: number;
  /** Files returned per call at most. */
  maxFilesPerCall: number;
  /** Interpreter processes alive at once; starting one more stops the least recently used idle one. */
  maxLiveInterpreters: number;
  /** How long an interpreter may take to start (load Pyodide) before the call fails. */
  startTimeoutMs: number;
}

export const DEFAULT_CODE_INTERPRETER_OPTIONS: CodeInterpreterOptions = {
  timeoutMs: 30_000,
  memoryLimitMb: 1024,
  maxOutputBytes: 64 * 1024,
  maxFileBytes: 32 * 1024 * 1024,
  maxFilesPerCall: 100,
  maxLiveInterpreters: 4,
  startTimeoutMs: 60_000,
};

/** Where the code's files live inside the interpreter (as in OpenAI's containers). */
export const DATA_DIR = '/mnt/data';
