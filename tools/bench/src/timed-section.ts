/** A timed piece of work: its value, wall and CPU seconds, and the RSS when it started. */
export interface Section<T> {
  readonly value: T;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly startRssBytes: number;
}

/**
 * Times `work` by the wall clock and by the process's CPU time (all threads).
 *
 * @example
 * const { value: rows, seconds } = await timeSection(() => readAll());
 */
export async function timeSection<T>(work: () => Promise<T>): Promise<Section<T>> {
  const startRssBytes = process.memoryUsage.rss();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = await work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { value, seconds, cpuSeconds: (used.user + used.system) / 1e6, startRssBytes };
}

/** The timing figures of a section, as a measurement reports them. */
export type SectionFigures = Pick<Section<unknown>, 'seconds' | 'cpuSeconds' | 'startRssBytes'>;

/** A section's timing figures without its value. */
export function sectionFigures(section: SectionFigures): SectionFigures {
  return { seconds: section.seconds, cpuSeconds: section.cpuSeconds, startRssBytes: section.startRssBytes };
}
