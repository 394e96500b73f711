import { FALLBACK_SOURCE_DATE, sourceDate } from './source-date';

describe('sourceDate', () => {
  it('prefers SOURCE_DATE_EPOCH', () => {
    expect(sourceDate({ SOURCE_DATE_EPOCH: '1700000000' })).toEqual({ date: new Date(1700000000 * 1000), origin: 'SOURCE_DATE_EPOCH' });
  });

  it('rejects a SOURCE_DATE_EPOCH that is not a number', () => {
    expect(() => sourceDate({ SOURCE_DATE_EPOCH: 'yesterday' })).toThrow(/SOURCE_DATE_EPOCH is "yesterday"/);
  });

  it('is 1980-01-01 otherwise, whatever the git history says', () => {
    expect(sourceDate({})).toEqual({ date: FALLBACK_SOURCE_DATE, origin: 'fixed' });
    expect(FALLBACK_SOURCE_DATE.toISOString()).toBe('1980-01-01T00:00:00.000Z');
  });
});
