export interface PresetGeneratorSchema {
  name?: string;
  registry?: string;
  ci?: 'github' | 'gitlab' | 'none';
  skipInstall?: boolean;
  release?: boolean;
}
