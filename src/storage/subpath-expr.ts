// subPathExpr expansion as the kubelet does it: $(VAR) from the container's environment, $$
// for a literal $, anything else left as written; a variable without a value is an error.
import { expandVars } from '../machinery/expand';

export function expandSubPathExpr(expr: string, env: Record<string, string>): string {
  const missing = new Set<string>();
  const out = expandVars(expr, (name) => {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    missing.add(name);
    return '';
  });
  if (missing.size > 0) throw new Error(`missing value for ${[...missing].sort().join(', ')}; set these variables in the container's env`);
  return out;
}
