/**
 * The alarm state machine of one metric of one patient (or device): raise, escalate, de-escalate, clear,
 * with hysteresis so a value hovering at a limit does not flap. Pure: state in, event out. The table of cases
 * is docs/alarms.md; each row is a test in alarm-state.test.ts.
 */
import { PRIORITY_RANK, type AlarmPriority } from '../metric-catalog.js';
import { clearedWithHysteresis, evaluateBands, type BreachSide, type ThresholdBand } from './threshold-rules.js';

export interface ActiveAlarm {
  readonly side: BreachSide;
  readonly priority: AlarmPriority;
  /** The band that holds the alarm at its priority (its limits and hysteresis decide when it lets go). */
  readonly band: ThresholdBand;
  /** Stable id of this alarm episode (from raise to clear). */
  readonly episodeId: string;
  readonly since: number;
}

export type AlarmTransition =
  | { kind: 'none' }
  | { kind: 'raise' | 'escalate' | 'de-escalate'; alarm: ActiveAlarm }
  | { kind: 'clear'; previous: ActiveAlarm };

export interface AlarmStep {
  readonly state: ActiveAlarm | undefined;
  readonly transition: AlarmTransition;
}

/**
 * Advances the state with one value. `newEpisodeId` names a new episode when one is raised (a reading id is a
 * good choice: stable under replay). `at` is the value's measurement time.
 */
export function stepAlarm(
  state: ActiveAlarm | undefined,
  value: number,
  bands: readonly ThresholdBand[],
  at: number,
  newEpisodeId: () => string,
): AlarmStep {
  const breach = evaluateBands(value, bands);
  if (!state) {
    if (!breach) return { state, transition: { kind: 'none' } };
    const alarm: ActiveAlarm = {
      side: breach.side,
      priority: breach.band.priority,
      band: breach.band,
      episodeId: newEpisodeId(),
      since: at,
    };
    return { state: alarm, transition: { kind: 'raise', alarm } };
  }
  // The value crossed to the other side (high to low): the old condition clears; the next value raises anew.
  if (breach && breach.side !== state.side) {
    return { state: undefined, transition: { kind: 'clear', previous: state } };
  }
  const current = PRIORITY_RANK[state.priority];
  const candidate = breach ? PRIORITY_RANK[breach.band.priority] : 0;
  if (breach && candidate > current) {
    const alarm: ActiveAlarm = { ...state, priority: breach.band.priority, band: breach.band };
    return { state: alarm, transition: { kind: 'escalate', alarm } };
  }
  if (breach && candidate === current) {
    // Same priority (maybe a different band of equal priority after a rule change): keep holding it.
    return { state: breach.band === state.band ? state : { ...state, band: breach.band }, transition: { kind: 'none' } };
  }
  // Lower than the current priority: let go only once the value is inside the holding band by its hysteresis.
  // If the rules changed and the holding band is gone, the new rules alone decide.
  const anchor = anchorBand(state, bands);
  if (anchor && !clearedWithHysteresis(value, anchor, state.side)) {
    return { state: anchor === state.band ? state : { ...state, band: anchor }, transition: { kind: 'none' } };
  }
  if (!breach) return { state: undefined, transition: { kind: 'clear', previous: state } };
  const alarm: ActiveAlarm = { ...state, priority: breach.band.priority, band: breach.band };
  return { state: alarm, transition: { kind: 'de-escalate', alarm } };
}

/** The band of the current rules that holds an active alarm: same priority, with a limit on its side. */
function anchorBand(state: ActiveAlarm, bands: readonly ThresholdBand[]): ThresholdBand | undefined {
  if (bands.includes(state.band)) return state.band;
  return bands.find((b) => b.priority === state.priority && (state.side === 'high' ? b.high !== undefined : b.low !== undefined));
}
