// Minimal --flag value / --flag=value parsing with clear errors.
export interface FlagSpec {
  name: string;
  help: string;
  boolean?: boolean;
  default?: string;
}

export function parseFlags(argv: string[], specs: FlagSpec[]): { values: Map<string, string>; help: boolean } {
  const values = new Map<string, string>();
  for (const s of specs) if (s.default !== undefined) values.set(s.name, s.default);
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '-h' || a === '--help') {
      help = true;
      continue;
    }
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}"`);
    const eq = a.indexOf('=');
    const name = a.slice(2, eq > 0 ? eq : undefined);
    const spec = specs.find((s) => s.name === name);
    if (!spec) throw new Error(`unknown flag --${name} (see --help)`);
    if (spec.boolean) {
      const v = eq > 0 ? a.slice(eq + 1) : 'true';
      if (v !== 'true' && v !== 'false') throw new Error(`flag --${name} takes no value, or =true / =false (got "${v}")`);
      values.set(name, v);
      continue;
    }
    const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (v === undefined) throw new Error(`flag --${name} needs a value`);
    values.set(name, v);
  }
  return { values, help };
}

export function flagHelp(specs: FlagSpec[]): string {
  return specs.map((s) => `  --${s.name}${s.boolean ? '' : ' VALUE'}\n      ${s.help}${s.default ? ` (default ${s.default})` : ''}`).join('\n');
}
