export interface CheckVersionExecutorSchema {
  base?: string;
}
