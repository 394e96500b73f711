import { findHelm } from '../helm/find-helm';

/**
 * The helm binaries the tests use, found through the documented lookup: HELM_BIN (or PATH) for the main helm, and
 * HELM3_BIN for the Helm 3 smoke tests. `bash tools/test.sh` installs both and sets the variables.
 */
export function mainHelm(): string {
  return findHelm().path;
}

export function helm3(): string {
  const path = process.env.HELM3_BIN;
  if (!path) {
    throw new Error('HELM3_BIN is not set: run the tests with `bash tools/test.sh`, which installs Helm 3 (tools/install-helm.sh 3).');
  }
  return findHelm({ helmPath: path }).path;
}
