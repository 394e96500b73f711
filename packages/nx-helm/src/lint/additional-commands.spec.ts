import { checkMaintainers } from './maintainers';
import { renderAdditionalCommand } from './additional-commands';

describe('additional-commands', () => {
  it('replaces {{ .Path }} with the chart folder and splits on spaces, without a shell', () => {
    expect(renderAdditionalCommand('helm unittest -f tests/*.yaml {{ .Path }}', 'charts/web', 'ct.yaml')).toEqual([
      'helm',
      'unittest',
      '-f',
      'tests/*.yaml',
      'charts/web',
    ]);
    expect(renderAdditionalCommand('kubeconform {{.Path}}/out', 'stable/db', 'ct.yaml')).toEqual(['kubeconform', 'stable/db/out']);
  });

  it('keeps quoted words together and takes backslash escapes, as ct does', () => {
    expect(renderAdditionalCommand(`sh -c "helm unittest {{ .Path }} && echo 'done'"`, 'charts/web', 'ct.yaml')).toEqual([
      'sh',
      '-c',
      "helm unittest charts/web && echo 'done'",
    ]);
    expect(renderAdditionalCommand('echo a\\ b $HOME', 'charts/web', 'ct.yaml')).toEqual(['echo', 'a b', '$HOME']);
    expect(() => renderAdditionalCommand('echo "open', 'charts/web', 'ct.yaml')).toThrow(
      'ct.yaml: the additional-commands entry "echo \\"open" cannot be split into words',
    );
  });

  it('refuses templates ct does not provide', () => {
    expect(() => renderAdditionalCommand('echo {{ .Chart.Name }}', 'charts/web', 'ct.yaml')).toThrow(
      'ct.yaml: the additional-commands entry "echo {{ .Chart.Name }}" uses a template other than {{ .Path }}',
    );
  });
});

describe('maintainers (offline)', () => {
  it("follows ct's rules without asking GitHub", () => {
    expect(checkMaintainers({ maintainers: [{ name: 'octocat' }] })).toBeUndefined();
    expect(checkMaintainers({})).toMatch(/names no maintainers/);
    expect(checkMaintainers({ maintainers: [{ name: 'a' }, { email: 'b@example.com' }] })).toMatch(/^maintainers\[1\] has no name/);
    expect(checkMaintainers({ deprecated: true })).toBeUndefined();
    expect(checkMaintainers({ deprecated: true, maintainers: [{ name: 'a' }] })).toMatch(/deprecated but names maintainers/);
  });
});
