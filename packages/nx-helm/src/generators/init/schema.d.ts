export interface InitGeneratorSchema {
  registry?: string;
  skipPackageJson?: boolean;
  skipInstall?: boolean;
  release?: boolean;
}
