/**
 * Grafana's naming rules, shared by the dashboard linter and the importer.
 */

/**
 * Dashboard and folder uids: letters, digits, `-` and `_`, at most 40 characters.
 * @see test/contracts/grafana.ts UIDS
 */
export const GRAFANA_UID_PATTERN = /^[a-zA-Z0-9_-]+$/;
export const GRAFANA_UID_MAX_LENGTH = 40;

/**
 * Grafana matches dashboards in a folder by the slug of the title. This is its
 * slug for ASCII titles; other characters are compared as they are, which errs
 * on the side of calling two titles the same.
 * @see test/contracts/grafana.ts DASHBOARD_SAVE
 */
export function titleSlug(title: string): string {
  return title
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9\u0080-\uffff]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * A hidden constant variable a dashboard may declare to be filtered to its AMP
 * workspace: the dashboard importer sets its value to the id of the workspace
 * it imports for (the generated cost dashboard declares it).
 */
export const AMP_WORKSPACE_VARIABLE = 'amp_workspace';
