export interface ChartGeneratorSchema {
  name: string;
  directory?: string;
  type?: 'application' | 'library';
  dependsOn?: string[];
  description?: string;
}
