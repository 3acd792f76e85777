// Serialised changes: every change goes to the server in the order it was made, one at a time.

export class SerialQueue {
  constructor() {
    this.chain = Promise.resolve();
  }

  /** Runs `task` after every task queued before it; resolves or rejects with its outcome. */
  enqueue(task) {
    const run = this.chain.then(task);
    this.chain = run.catch(() => {});
    return run;
  }
}
