import { updatedConstraint } from './dependency-constraint';

describe('updatedConstraint', () => {
  it.each([
    ['0.1.0', '0.2.0', '0.2.0'],
    ['=0.1.0', '0.2.0', '=0.2.0'],
    ['v1.0.0', '1.1.0', 'v1.1.0'],
    ['1.0.0', '1.0.1-rc.0', '1.0.1-rc.0'],
  ])('follows the new version with an exact pin %s -> %s', (current, next, expected) => {
    expect(updatedConstraint(current, next)).toEqual({ constraint: expected, how: 'pinned' });
  });

  it('leaves a pin already at the new version alone', () => {
    expect(updatedConstraint('1.2.3', '1.2.3')).toBeUndefined();
  });

  it.each([
    ['^0.1.0', '0.1.1'],
    ['~1.2.0', '1.2.9'],
    ['1.2.*', '1.2.4'],
    ['1.x', '1.9.0'],
    ['>=1.0.0 <2.0.0', '1.5.0'],
    ['>= 1.2, < 2.0', '1.9.0'],
    ['^1.0.0 || ^2.0.0', '2.3.0'],
    ['*', '9.0.0'],
    ['', '1.0.0'],
    [undefined, '1.0.0'],
  ])('keeps the range %s, which accepts %s', (current, next) => {
    expect(updatedConstraint(current, next)).toBeUndefined();
  });

  it.each([
    ['^0.1.0', '0.2.0', '^0.2.0'],
    ['^1.2.3', '2.0.0', '^2.0.0'],
    ['~1.2.0', '1.3.0', '~1.3.0'],
    ['~1.2', '1.3.0', '~1.3'],
    ['~>1.2.0', '1.3.1', '~>1.3.1'],
    ['1.2.*', '1.3.0', '1.3.*'],
    ['1.2.x', '1.3.2', '1.3.x'],
    ['1.x', '2.0.0', '2.x'],
    ['>=1.0.0 <2.0.0', '2.0.0', '>=2.0.0 <3.0.0'],
    ['>=1.2.0 <1.3.0', '1.3.0', '>=1.3.0 <1.4.0'],
    ['>= 1.2, < 2.0', '2.1.0', '>= 2.1, < 3.0'],
    ['>1.0.0 <2.0.0', '2.0.0', '>=2.0.0 <3.0.0'],
    ['<2.0.0', '2.0.0', '<3.0.0'],
    ['^1.0.0 || ^2.0.0', '3.0.0', '^1.0.0 || ^3.0.0'],
    ['^0.1.0', '0.2.0-rc.1', '^0.2.0-rc.1'],
  ])('rewrites the range %s for %s as %s, keeping operators, spacing and precision', (current, next, expected) => {
    expect(updatedConstraint(current, next)).toEqual({ constraint: expected, how: 'range-rewritten' });
  });

  it('replaces a hyphen range that no longer accepts the version by the version', () => {
    expect(updatedConstraint('1.0.0 - 1.4.0', '2.0.0')).toEqual({ constraint: '2.0.0', how: 'range-replaced' });
  });

  it('refuses a new version that is not SemVer', () => {
    expect(() => updatedConstraint('^1.0.0', 'next')).toThrow('"next" is not a SemVer version.');
  });
});
