/**
 * Grafana's naming rules, shared by the dashboard linter and the importer
 * (test/contracts/grafana.ts holds the sources).
 */

/**
 * Dashboard and folder uids: `^[a-zA-Z0-9\-\_]*$`, at most 40 characters
 * (grafana/grafana pkg/util/shortid_generator.go IsValidShortUID,
 * IsShortUIDTooLong).
 */
export const GRAFANA_UID_PATTERN = /^[a-zA-Z0-9_-]+$/;
export const GRAFANA_UID_MAX_LENGTH = 40;

/**
 * Grafana matches dashboards in a folder by the slug of the title
 * (grafana/grafana@8673c5bd:pkg/services/dashboards/database/database.go
 * getExistingDashboardByTitleAndFolder). This is its slug for ASCII titles;
 * other characters are compared as they are, which errs on the side of
 * calling two titles the same.
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
