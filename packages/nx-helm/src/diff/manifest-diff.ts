import { FILE_HEADERS_ONLY, formatPatch, structuredPatch, type StructuredPatch } from 'diff';
import { objectKey, objectLabel, objectYaml, sortObjects, type RenderedObject } from '../render/rendered-manifest';
import { withSecretValuesHidden } from './secret-values';

/** How one object of a rendering differs between base and head. */
export interface ObjectChange {
  change: 'added' | 'removed' | 'changed';
  /** objectLabel: `Deployment/web`. */
  object: string;
  /** At head; at base for a removed object. */
  apiVersion: string;
  kind: string;
  /** The template that renders it (at head; at base for a removed object). */
  source?: string;
  /** Unified diff of the object's YAML, headers naming the object; a whole added or removed object as +/- lines. */
  diff: string;
  /** Lines the diff adds. */
  added: number;
  /** Lines the diff removes. */
  removed: number;
}

/** Lines of context around each change, as `git diff` shows by default. */
const CONTEXT_LINES = 3;
const NO_FILE = '/dev/null';
/**
 * Beyond this many added and removed lines a changed object is shown as replaced whole: finding the smallest diff
 * takes time that grows with its size times the file's, seconds for a rewritten ConfigMap of thousands of lines.
 */
const MAX_EDITED_LINES = 2_000;

/**
 * The objects that differ between two renderings of one chart with one values set, in the order the rendered files
 * keep them; objects that render the same are left out. An undefined rendering is one that does not exist (a new or
 * deleted chart or values file), so every object of the other one is added or removed. An object that only moved to
 * another template renders the same and is left out: the cluster would not see a difference.
 */
export function diffObjects(before: readonly RenderedObject[] | undefined, after: readonly RenderedObject[] | undefined): ObjectChange[] {
  const unmatched = groupByKey(before ?? []);
  const changes = new Map<RenderedObject, ObjectChange[]>();
  const record = (shownAt: RenderedObject, change: ObjectChange) => changes.set(shownAt, [...(changes.get(shownAt) ?? []), change]);

  for (const object of after ?? []) {
    // Two objects with one identity (a chart that renders a duplicate) are matched in order.
    const previous = unmatched.get(objectKey(object))?.shift();
    if (!previous) record(object, objectChange('added', undefined, object));
    else if (objectContent(previous) !== objectContent(object)) record(object, objectChange('changed', previous, object));
  }
  for (const objects of unmatched.values()) {
    for (const object of objects) record(object, objectChange('removed', object, undefined));
  }

  return sortObjects([...changes.keys()]).flatMap((object) => changes.get(object) ?? []);
}

function groupByKey(objects: readonly RenderedObject[]): Map<string, RenderedObject[]> {
  const groups = new Map<string, RenderedObject[]>();
  for (const object of objects) {
    const group = groups.get(objectKey(object));
    if (group) group.push(object);
    else groups.set(objectKey(object), [object]);
  }
  return groups;
}

/** What the cluster would receive: the object's YAML without the comment naming its template. */
function objectContent(object: RenderedObject): string {
  return objectYaml({ ...object, source: undefined });
}

function objectChange(change: ObjectChange['change'], before: RenderedObject | undefined, after: RenderedObject | undefined): ObjectChange {
  const shown = (after ?? before) as RenderedObject;
  const label = objectLabel(shown);
  const patch = objectPatch(
    before ? label : NO_FILE,
    after ? label : NO_FILE,
    before ? objectYaml(withSecretValuesHidden(before)) : '',
    after ? objectYaml(withSecretValuesHidden(after)) : '',
  );
  const lines = patch.hunks.flatMap((hunk) => hunk.lines);
  return {
    change,
    object: label,
    apiVersion: shown.apiVersion,
    kind: shown.kind,
    ...(shown.source ? { source: shown.source } : {}),
    diff: formatPatch(patch, FILE_HEADERS_ONLY),
    added: lines.filter((line) => line.startsWith('+')).length,
    removed: lines.filter((line) => line.startsWith('-')).length,
  };
}

function objectPatch(beforeName: string, afterName: string, beforeText: string, afterText: string): StructuredPatch {
  const smallest =
    beforeText && afterText
      ? structuredPatch(beforeName, afterName, beforeText, afterText, undefined, undefined, {
          context: CONTEXT_LINES,
          maxEditLength: MAX_EDITED_LINES,
        })
      : undefined;
  return smallest ?? wholeObjectPatch(beforeName, afterName, beforeText, afterText);
}

/** Every line of the object before removed and every line after added: an added or removed object, or a rewrite. */
function wholeObjectPatch(beforeName: string, afterName: string, beforeText: string, afterText: string): StructuredPatch {
  const beforeLines = textLines(beforeText);
  const afterLines = textLines(afterText);
  return {
    oldFileName: beforeName,
    newFileName: afterName,
    oldHeader: undefined,
    newHeader: undefined,
    hunks: [
      {
        // Counted from 1 even for an empty side: formatPatch writes that as the 0 of `@@ -0,0 +1,8 @@`.
        oldStart: 1,
        oldLines: beforeLines.length,
        newStart: 1,
        newLines: afterLines.length,
        lines: [...beforeLines.map((line) => `-${line}`), ...afterLines.map((line) => `+${line}`)],
      },
    ],
  };
}

/** objectYaml always ends its text with a newline, which ends the last line rather than starting another. */
function textLines(text: string): string[] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}
