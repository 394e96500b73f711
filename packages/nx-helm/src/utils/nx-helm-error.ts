/**
 * Base class of every error a user can meet. Its message is complete (what failed, where, what to do), so it is
 * shown as-is; any other error is unexpected and is shown with its stack.
 */
export class NxHelmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
