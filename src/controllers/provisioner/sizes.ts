// Storage sizes between API quantities ("1Gi", "500M") and CSI's bytes.
import { formatQuantity, newQuantity, quantityValue, tryParseQuantity } from '../../machinery/quantity';

/** Bytes of a quantity (rounded up, as Quantity.Value()); undefined when absent or unparsable. */
export function bytesOf(v: unknown): bigint | undefined {
  if (v === undefined || v === null) return undefined;
  const r = tryParseQuantity(v);
  return r.ok ? quantityValue(r.q) : undefined;
}

/** A byte count as the external-provisioner writes it: a BinarySI quantity ("1Gi", "1536Mi"). */
export function quantityOfBytes(bytes: bigint): string {
  return formatQuantity(newQuantity(bytes, 'BinarySI'));
}
