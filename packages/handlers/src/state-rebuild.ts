/**
 * What a rebuild of a table's state from the lake found and chose (both logged as they are).
 *
 * @example
 * { state: undefined, found: '3 files of run r7; their metadata carry no table hash', chose: 'no state: …' }
 */
export interface StateRebuild<State> {
  /** The rebuilt state; `undefined`: nothing in the lake vouches for any data, so everything is re-read. */
  readonly state: State | undefined;
  readonly found: string;
  readonly chose: string;
}
