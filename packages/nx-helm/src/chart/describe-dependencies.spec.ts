import type { ChartDependency } from './chart-model';
import { classifyRepository } from './dependency-source';
import { describeDependencies } from './describe-dependencies';

const dependency = (name: string, alias?: string, version = '6.1.0', repository = 'https://charts.example.com'): ChartDependency => ({
  name,
  alias,
  version,
  repository,
  source: classifyRepository(repository),
});

describe('describeDependencies', () => {
  it('names aliased copies of one chart once, with their aliases', () => {
    const list = [
      dependency('memcached', 'sessions'),
      dependency('memcached', 'cache'),
      dependency('memcached', 'cache'),
      dependency('redis'),
    ];
    expect(describeDependencies(list)).toBe('"memcached" (as "sessions", "cache"), "redis"');
    expect(describeDependencies(list, { withSource: true })).toBe(
      '"memcached" (as "sessions", "cache") 6.1.0 from https://charts.example.com, "redis" 6.1.0 from https://charts.example.com',
    );
  });

  it('keeps the same chart from two versions or repositories apart', () => {
    expect(
      describeDependencies([dependency('redis', undefined, '1.0.0'), dependency('redis', undefined, '2.0.0')], { withSource: true }),
    ).toBe('"redis" 1.0.0 from https://charts.example.com, "redis" 2.0.0 from https://charts.example.com');
  });
});
