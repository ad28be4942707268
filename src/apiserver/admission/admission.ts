// Admission plugins: mutate or reject writes after defaulting and before validation,
// the way kube-apiserver's built-in admission chain does.
import type { ResourceDef } from '../../machinery/resource';
import type { KObject } from '../../machinery/types';

export type AdmissionOp = 'create' | 'update' | 'delete';

/** Reads other objects (e.g. the namespace, the default StorageClass). */
export interface AdmissionReader {
  tryGet(def: ResourceDef, ns: string | undefined, name: string): Promise<KObject | undefined>;
  list(def: ResourceDef, ns: string | undefined): Promise<{ items: KObject[] }>;
}

export interface AdmissionRequest {
  op: AdmissionOp;
  def: ResourceDef;
  obj: KObject;
  old?: KObject;
  store: AdmissionReader;
  /** The write will not be stored: plugins must not reserve anything for it. */
  dryRun?: boolean;
}

export interface Admission {
  name: string;
  admit(req: AdmissionRequest): Promise<void>;
}

export async function runAdmission(plugins: readonly Admission[], req: AdmissionRequest): Promise<void> {
  for (const p of plugins) await p.admit(req);
}
