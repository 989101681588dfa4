// The lab's one error type: a message that names what failed and what to do; the CLI prints it.

export class LabError extends Error {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(message, opts);
    this.name = 'LabError';
  }
}
