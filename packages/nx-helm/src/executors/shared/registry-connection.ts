import { isAbsolute, join } from 'node:path';
import { hostOptionsFor, type RegistriesOptions, type RegistryHostOptions } from '../../registry/registry-options';

/** The connection settings a target may set directly, overriding the registry host's entry in `registries`. */
export function connectionOverrides(options: RegistryHostOptions): RegistryHostOptions {
  const { plainHttp, insecureSkipTlsVerify, caFile, certFile, keyFile } = options;
  return { plainHttp, insecureSkipTlsVerify, caFile, certFile, keyFile };
}

/** Certificate paths in nx.json are relative to the workspace root; helm runs elsewhere. */
export function resolveCertificatePaths(options: RegistryHostOptions, root: string): RegistryHostOptions {
  const absolute = (path: string | undefined) => (path && !isAbsolute(path) ? join(root, path) : path);
  return { ...options, caFile: absolute(options.caFile), certFile: absolute(options.certFile), keyFile: absolute(options.keyFile) };
}

/**
 * How to reach `host`: its `registries` entry, the target's own settings over it, certificate paths made absolute.
 */
export function hostConnection(host: string, registries: RegistriesOptions | undefined, target: RegistryHostOptions, root: string): RegistryHostOptions {
  return resolveCertificatePaths(hostOptionsFor(host, registries, connectionOverrides(target)), root);
}
