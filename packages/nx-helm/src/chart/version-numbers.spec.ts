import { withSmallVersionNumbers } from './version-numbers';

describe('withSmallVersionNumbers', () => {
  it('leaves versions and constraints with small numbers as they are', () => {
    expect(withSmallVersionNumbers(['1.2.3-rc.1+build.5', '>= 1.2, < 2.0', '^0.x'])).toEqual([
      '1.2.3-rc.1+build.5',
      '>= 1.2, < 2.0',
      '^0.x',
    ]);
  });

  it('writes the core numbers of every text in their order, twice their rank, 0 kept, prerelease and build untouched', () => {
    expect(
      withSmallVersionNumbers(['9007199254740993.0.0-rc.12+b.34', '^9007199254740993.0.0', '>= 1.2, < 9007199254740994', 'v3.x']),
    ).toEqual(['8.0.0-rc.12+b.34', '^8.0.0', '>= 2.4, < 10', 'v6.x']);
  });

  it('keeps a number with a leading zero, so that its version stays invalid', () => {
    expect(withSmallVersionNumbers(['01.9007199254740993.0'])).toEqual(['01.4.0']);
  });

  it('refuses numbers above 64 bits, which helm does not read', () => {
    expect(withSmallVersionNumbers(['18446744073709551615.0.0'])).toEqual(['2.0.0']);
    expect(withSmallVersionNumbers(['1.0.0', '18446744073709551616.0.0'])).toBeUndefined();
  });
});
