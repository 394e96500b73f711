import { ociNameProblem } from './oci-name';

describe('ociNameProblem', () => {
  it.each(['web', 'my-chart', 'my--chart', 'my.chart', 'my_chart', 'my__chart', 'a1', '0'])('accepts %s', (name) => {
    expect(ociNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['my..chart', 'my-chart', 'it joins words with a separator OCI names do not allow'],
    ['my_-chart', 'my-chart', 'it joins words with a separator OCI names do not allow'],
    ['my___chart', 'my-chart', 'it joins words with a separator OCI names do not allow'],
    ['my.-chart', 'my-chart', 'it joins words with a separator OCI names do not allow'],
    ['-web', 'web', 'it starts or ends with a separator'],
    ['web_', 'web', 'it starts or ends with a separator'],
    ['Web', 'web', 'it has upper-case letters'],
  ])('refuses %s and suggests %s', (name, suggestion, reason) => {
    expect(ociNameProblem(name)).toEqual({ suggestion, reason: expect.stringContaining(reason) });
  });
});
