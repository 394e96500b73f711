export interface PresetGeneratorSchema {
  name?: string;
  registry?: string;
  ciProvider?: 'github' | 'gitlab' | 'none';
  /** What create-nx-workspace forwards from its --ci / --nxCloud: any of its CI choices, or skip, never, yes. */
  ci?: string;
  skipInstall?: boolean;
  release?: boolean;
}
