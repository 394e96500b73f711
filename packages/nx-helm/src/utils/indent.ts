/** Every line of `text` indented by two spaces, for tool output nested under a message. */
export function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
