/**
 * The verification's reporter: every check prints what it checked and
 * whether it passed; the run ends with `verify: N checks, F failed`.
 */

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail?: string;
}

export class Report {
  private readonly results: CheckResult[] = [];

  /** Records one check. `detail` is printed under a failure (and under a pass when short). */
  public check(name: string, ok: boolean, detail?: string): boolean {
    this.results.push({ name, ok, detail });
    const mark = ok ? 'ok  ' : 'FAIL';
    process.stdout.write(`${mark} ${name}\n`);
    if (detail && (!ok || detail.length <= 200)) {
      for (const line of detail.trimEnd().split('\n')) process.stdout.write(`       ${line}\n`);
    }
    return ok;
  }

  /** Runs `fn`; a thrown error is a failed check named `name`. */
  public async guard(name: string, fn: () => Promise<void> | void): Promise<void> {
    try {
      await fn();
    } catch (e) {
      this.check(name, false, e instanceof Error ? e.stack ?? e.message : String(e));
    }
  }

  public section(title: string): void {
    process.stdout.write(`\n== ${title}\n`);
  }

  public get failed(): number {
    return this.results.filter((r) => !r.ok).length;
  }

  public get total(): number {
    return this.results.length;
  }

  public summary(): string {
    return `verify: ${this.total} checks, ${this.failed} failed`;
  }
}
