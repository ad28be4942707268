// The error both selector parsers throw; its message is upstream's text.
export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}
