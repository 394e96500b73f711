import { satisfiesConstraint } from './version-constraint';

describe('satisfiesConstraint', () => {
  it.each([
    ['0.1.0', undefined, true],
    ['0.1.0', '*', true],
    ['0.1.0', '0.1.0', true],
    ['0.2.0', '0.1.0', false],
    ['1.4.2', '^1.2.0', true],
    ['2.0.0', '^1.2.0', false],
    ['1.2.9', '~1.2.3', true],
    ['1.3.0', '~1.2.3', false],
    ['1.9.0', '1.x', true],
    ['1.5.0', '>= 1.2, < 2.0', true],
    ['2.5.0', '>= 1.2, < 2.0', false],
    ['3.1.0', '^1.0.0 || ^3.0.0', true],
    ['1.0.0', 'not a range', false],
  ])('%s against %p is %p', (version, constraint, expected) => {
    expect(satisfiesConstraint(version, constraint)).toBe(expected);
  });
});
