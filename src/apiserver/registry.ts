// Resolves URL segments (group, version, plural) and kinds to ResourceDefs.
import type { ResourceDef } from '../machinery/resource';

export class Registry {
  private readonly byPath = new Map<string, ResourceDef>();
  private readonly byKind = new Map<string, ResourceDef>();

  constructor(readonly defs: readonly ResourceDef[]) {
    for (const d of defs) {
      for (const v of d.versions) {
        this.byPath.set(`${d.group}/${v}/${d.plural}`, d);
        this.byKind.set(`${d.group}/${v}/${d.kind}`, d);
      }
    }
  }

  lookup(group: string, version: string, plural: string): ResourceDef | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`);
  }

  forKind(group: string, version: string, kind: string): ResourceDef | undefined {
    return this.byKind.get(`${group}/${version}/${kind}`);
  }

  /** Group-versions that serve at least one resource, with their resources. */
  groupVersions(): Map<string, ResourceDef[]> {
    const out = new Map<string, ResourceDef[]>();
    for (const d of this.defs) {
      for (const v of d.versions) {
        const gv = d.group === '' ? v : `${d.group}/${v}`;
        const list = out.get(gv) ?? [];
        list.push(d);
        out.set(gv, list);
      }
    }
    return out;
  }
}
