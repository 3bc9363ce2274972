import { describe, expect, it } from 'vitest';
import { renderTemplate } from './template.js';

describe('renderTemplate', () => {
  it('fills every placeholder', () => {
    expect(renderTemplate('a=${A}\nb=${B_2}', { A: 'x', B_2: 9 })).toBe('a=x\nb=9');
  });
  it('refuses a placeholder without a value rather than leaving it in a config file', () => {
    expect(() => renderTemplate('a=${MISSING}', {})).toThrow(/MISSING/);
  });
});
