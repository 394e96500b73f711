export type AnnotationKind = 'notice' | 'warning' | 'error';

/**
 * A line that GitHub Actions shows as an annotation of the run (`::notice title=...::message`), escaped so that a
 * message of several lines stays one command. Outside GitHub Actions, the message as a plain line.
 */
export function annotation(kind: AnnotationKind, title: string, message: string, env: NodeJS.ProcessEnv): string {
  if (env.GITHUB_ACTIONS !== 'true') return `${kind}: ${message}`;
  const data = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const property = (text: string) => data(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
  return `::${kind} title=${property(title)}::${data(message)}`;
}
