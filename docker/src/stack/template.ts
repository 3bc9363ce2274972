/** Renders `${NAME}` placeholders in the shared config files; an unknown placeholder is an error. */
export function renderTemplate(text: string, values: Readonly<Record<string, string | number>>): string {
  return text.replace(/\$\{([A-Z0-9_]+)\}/g, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`template placeholder \${${name}} has no value`);
    return String(v);
  });
}
