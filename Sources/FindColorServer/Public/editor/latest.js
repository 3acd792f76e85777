// The busy/"again" state machine, written once: a job (a preview, the full render, a live hint step)
// runs at most once at a time. Requests made while it runs are not queued one by one: they collapse
// into a single further run, started when the current one ends, which then works on the newest state.

export class LatestOnly {
  /** @param job async function; it reads the newest state itself when it starts. */
  constructor(job) {
    this.job = job;
    this.running = null;
    this.waiting = []; // resolvers of the requests the next run serves
  }

  /** True while a run is in flight. */
  get busy() {
    return this.running !== null;
  }

  /** True when another run is due once the current one ends. */
  get again() {
    return this.waiting.length > 0;
  }

  /** Asks for a run; resolves once a run that started after this request has ended. */
  request() {
    const served = new Promise((resolve) => this.waiting.push(resolve));
    if (!this.running) this.start();
    return served;
  }

  /** Resolves once no run is in flight or due. */
  async idle() {
    while (this.running) await this.running;
  }

  start() {
    const serves = this.waiting;
    this.waiting = [];
    this.running = (async () => {
      try {
        await this.job();
      } catch (error) {
        console.error("a render step failed", error);
      }
    })();
    this.running.then(() => {
      this.running = null;
      for (const resolve of serves) resolve();
      if (this.waiting.length) this.start();
    });
  }
}
