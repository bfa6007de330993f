import { isModelshipError, type ModelshipErrorCode } from '../../../src/errors.js';

/** What one hostile case produced: the typed error it was meant to, something else, or nothing in time. */
export interface CaseResult {
  group: string;
  name: string;
  outcome: 'typed' | 'wrong' | 'hang';
  detail: string;
}

/** Collects the outcomes of every fault case in a file, for the summary the README quotes. */
export class FaultTally {
  readonly results: CaseResult[] = [];

  /**
   * Runs `work`, which must reject with `code` (and `details.field === field` when given) within
   * `hangMs`; records the outcome and returns the error for further checks.
   */
  async expectError(group: string, name: string, work: () => Promise<unknown>, code: ModelshipErrorCode, field?: string, hangMs = 20_000): Promise<unknown> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hang = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), hangMs)));
    const settled = work().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    const result = await Promise.race([settled, hang]);
    clearTimeout(timer);
    if (result === 'hang') {
      this.results.push({ group, name, outcome: 'hang', detail: `no answer within ${hangMs} ms` });
      return undefined;
    }
    const error = 'error' in result ? result.error : undefined;
    const typed = isModelshipError(error, code) && (field === undefined || error.details['field'] === field);
    const detail = 'error' in result ? `${(error as { code?: string }).code ?? (error as Error).name}: ${(error as Error).message}` : 'resolved';
    this.results.push({ group, name, outcome: typed ? 'typed' : 'wrong', detail });
    return error;
  }

  /** Records a case that must succeed (a fallback that answers) within `hangMs`. */
  async expectAnswer<T>(group: string, name: string, work: () => Promise<T>, hangMs = 20_000): Promise<T | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hang = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), hangMs)));
    const result = await Promise.race([
      work().then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      hang,
    ]);
    clearTimeout(timer);
    if (result === 'hang') {
      this.results.push({ group, name, outcome: 'hang', detail: `no answer within ${hangMs} ms` });
      return undefined;
    }
    const ok = 'value' in result;
    this.results.push({ group, name, outcome: ok ? 'typed' : 'wrong', detail: ok ? 'answered' : String((result as { error: unknown }).error) });
    return ok ? result.value : undefined;
  }

  summary(): { cases: number; typed: number; wrong: number; hangs: number; groups: Record<string, number> } {
    const groups: Record<string, number> = {};
    for (const result of this.results) groups[result.group] = (groups[result.group] ?? 0) + 1;
    const count = (outcome: CaseResult['outcome']): number => this.results.filter((r) => r.outcome === outcome).length;
    return { cases: this.results.length, typed: count('typed'), wrong: count('wrong'), hangs: count('hang'), groups };
  }
}
