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

// What `helm dependency update` (3.17 and 4.1) decides for a chart at 9007199254740993.0.0, a number above 2^53.
describe('satisfiesConstraint with version numbers above 2^53, as helm reads them', () => {
  it.each([
    ['^9007199254740993.0.0', true],
    ['>= 9007199254740992.0.0', true],
    ['~9007199254740993', true],
    ['9007199254740993.0.x', true],
    ['>9007199254740993.0.0', false],
    ['>= 1.0.0, < 9007199254740994', true],
    ['>=9007199254740994.0.0', false],
    ['^99999999999999999999.0.0', false],
  ])('9007199254740993.0.0 against %p is %p', (constraint, expected) => {
    expect(satisfiesConstraint('9007199254740993.0.0', constraint)).toBe(expected);
  });
});
