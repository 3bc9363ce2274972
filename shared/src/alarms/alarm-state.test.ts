/** Each row of the table in docs/alarms.md is one test here. */
import { describe, expect, it } from 'vitest';
import { stepAlarm, type ActiveAlarm } from './alarm-state.js';
import { effectiveBands, type ThresholdBand } from './threshold-rules.js';

// Heart rate: medium above 120 / below 50, high above 140 / below 40, hysteresis 3 (the catalog defaults).
const bands = effectiveBands('heart_rate', []);
const id = () => 'episode-1';

function run(values: number[], start?: ActiveAlarm, rules: readonly ThresholdBand[] = bands) {
  let state = start;
  const kinds: string[] = [];
  values.forEach((v, i) => {
    const step = stepAlarm(state, v, rules, i, id);
    state = step.state;
    kinds.push(
      step.transition.kind === 'none'
        ? '-'
        : `${step.transition.kind}${step.state ? `:${step.state.priority}/${step.state.side}` : ''}`,
    );
  });
  return { kinds, state };
}

const medium = run([125]).state!;
const high = run([145]).state!;

describe('alarm state machine (docs/alarms.md)', () => {
  it('1. normal value, no alarm: nothing', () => expect(run([80]).kinds).toEqual(['-']));
  it('2. above the medium limit: raise medium', () => expect(run([125]).kinds).toEqual(['raise:medium/high']));
  it('3. above the high limit at once: raise high', () => expect(run([145]).kinds).toEqual(['raise:high/high']));
  it('4. medium active, still in the medium band: nothing', () => expect(run([130], medium).kinds).toEqual(['-']));
  it('5. medium active, above the high limit: escalate', () => expect(run([145], medium).kinds).toEqual(['escalate:high/high']));
  it('6. high active, below the high limit but not by the hysteresis: hold high', () =>
    expect(run([138], high).kinds).toEqual(['-']));
  it('7. high active, below the high limit by the hysteresis, still above medium: de-escalate', () =>
    expect(run([136], high).kinds).toEqual(['de-escalate:medium/high']));
  it('8. medium active, just inside the limit (within hysteresis): hold', () => expect(run([119], medium).kinds).toEqual(['-']));
  it('9. medium active, inside by the hysteresis: clear', () => expect(run([117], medium).kinds).toEqual(['clear']));
  it('10. high active, back to normal: clear directly', () => expect(run([80], high).kinds).toEqual(['clear']));
  it('11. high-side alarm, value crosses to the low side: clear, then the next value raises low', () =>
    expect(run([45, 45], medium).kinds).toEqual(['clear', 'raise:medium/low']));
  it('12. hovering at the limit does not flap: one raise, no clear', () =>
    expect(run([121, 119, 121, 119, 120, 121]).kinds).toEqual(['raise:medium/high', '-', '-', '-', '-', '-']));
  it('13. the episode keeps its id through escalation and de-escalation', () => {
    const { state } = run([125, 145, 136]);
    expect(state?.episodeId).toBe('episode-1');
    expect(state?.priority).toBe('medium');
  });
  it('14. a rule change replaces the holding band: the new band holds it, or the new rules alone decide', () => {
    const relaxed: ThresholdBand[] = [{ metric: 'heart_rate', high: 150, priority: 'medium', hysteresis: 3, scope: 'patient' }];
    // Under the old rules 119 would hold (within 120's hysteresis); the new medium band (150) takes over.
    expect(run([119], medium, relaxed).kinds).toEqual(['clear']);
    expect(run([148], run([151], undefined, relaxed).state, relaxed).kinds).toEqual(['-']);
    const lowOnly: ThresholdBand[] = [{ metric: 'heart_rate', low: 40, priority: 'high', hysteresis: 3, scope: 'patient' }];
    expect(run([130], medium, lowOnly).kinds).toEqual(['clear']);
  });
});

describe('effective bands', () => {
  const b = (scope: ThresholdBand['scope'], high: number): ThresholdBand => ({
    metric: 'heart_rate',
    high,
    priority: 'medium',
    hysteresis: 0,
    scope,
  });
  it('patient rules win over department, customer and catalog', () => {
    expect(
      effectiveBands('heart_rate', [b('customer', 110), b('department', 115), b('patient', 130)]).map((x) => x.high),
    ).toEqual([130]);
    expect(effectiveBands('heart_rate', [b('customer', 110), b('department', 115)]).map((x) => x.high)).toEqual([115]);
    expect(effectiveBands('heart_rate', [b('customer', 110)]).map((x) => x.high)).toEqual([110]);
    expect(effectiveBands('heart_rate', []).every((x) => x.scope === 'catalog')).toBe(true);
  });
  it('ignores rules of other metrics', () => {
    expect(effectiveBands('spo2', [b('patient', 130)]).every((x) => x.scope === 'catalog')).toBe(true);
  });
});
