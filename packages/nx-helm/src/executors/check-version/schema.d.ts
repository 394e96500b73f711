export interface CheckVersionExecutorSchema {
  base?: string;
  publishRepositories?: string[];
}
