/** The envelope every generated dashboard shares, as Grafana exports it (schema 39), serialized with two-space indents. */
export function dashboardJson(d: {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly panels: readonly unknown[];
  readonly refresh: string;
  readonly from: string;
}): string {
  const dashboard = {
    annotations: { list: [] },
    description: d.description,
    editable: true,
    graphTooltip: 1,
    links: [],
    panels: d.panels,
    refresh: d.refresh,
    schemaVersion: 39,
    tags: d.tags,
    templating: { list: [] },
    time: { from: d.from, to: 'now' },
    timezone: 'browser',
    title: d.title,
    uid: d.uid,
    version: 1,
  };
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
