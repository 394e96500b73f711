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

  it('puts the chart folder in after splitting, and refuses a folder name a shell would interpret', () => {
    for (const folder of ['charts/x$(touch pwned)', 'charts/x`id`', "charts/it's", 'charts/a b', 'charts/a;b', 'charts/a\nb']) {
      expect(() => renderAdditionalCommand(`sh -c "helm unittest {{ .Path }}"`, folder, 'ct.yaml')).toThrow(
        /ct\.yaml: the additional-commands entry .* would put the chart folder .* into a command, and that name holds characters a shell interprets/,
      );
    }
    // Entries that do not use the folder run for any chart.
    expect(renderAdditionalCommand('echo hi', 'charts/a b', 'ct.yaml')).toEqual(['echo', 'hi']);
    expect(renderAdditionalCommand(`echo "{{ .Path }}/x y"`, 'charts/web', 'ct.yaml')).toEqual(['echo', 'charts/web/x y']);
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
