/**
 * What the importer receives: the custom resource's properties (set by the
 * DashboardImport construct) and the dashboards of its S3 bundle.
 */
/**
 * The importer's Lambda timeout, in seconds: its run's Grafana token lives no
 * longer, so a run killed at the timeout leaves no valid admin token.
 */
export const IMPORT_TIMEOUT_SECONDS = 300;

/** The custom resource's properties (strings, as CloudFormation passes them). */
export interface ImportProperties {
  readonly WorkspaceId: string;
  /** https://<workspace endpoint> */
  readonly GrafanaUrl: string;
  readonly BundleBucket: string;
  readonly BundleKey: string;
  readonly Region: string;
  /** The AMP workspace's Prometheus endpoint (…/workspaces/ws-…/). */
  readonly PrometheusUrl: string;
  /**
   * The importer's Grafana service account: `tobs-importer-<Owner>`, one per resource instance. Only an
   * account of exactly this name is used and deleted (one named `dashboard-importer`, from before, is left).
   */
  readonly ServiceAccountName: string;
  /** Tag that marks the dashboards this importer owns. */
  readonly Marker: string;
  /** The workspace's Grafana version ("10.4", "12.4"): picks the AMP data source type. */
  readonly GrafanaVersion: string;
  /** "true" when plugin management is on: the X-Ray plugin is installed and its data source made. */
  readonly XRay: string;
  /**
   * "true" when the workspace outlives the stack (retained): Delete then leaves its dashboards, folders and data
   * sources (hand-made dashboards use them) and removes only the importer's service account. Absent: "false".
   */
  readonly RetainOnDelete?: string;
  /**
   * JSON array of the bundle's dashboard uids: what this resource owns, the
   * only dashboards it ever deletes (with its Owner tag still on them).
   * Absent (made before it existed): nothing is deleted.
   */
  readonly DashboardUids?: string;
  /** JSON array of the bundle's folder titles: the only folders Delete removes (when empty). Absent: none. */
  readonly Folders?: string;
  /**
   * This resource instance (a hash of its construct's unique id): tagged
   * `tobs-owner:<Owner>` on what it imports. A new instance (a renamed
   * construct) re-tags what it imports, taking it over, so the old instance's
   * Delete finds nothing of its own left.
   */
  readonly Owner?: string;
  /** Any new value runs the import again (`-c reimport=…`): the retry after an upgrade whose import failed. */
  readonly Reimport?: string;
}

export interface BundledDashboard {
  readonly file: string;
  readonly folder: string;
  readonly uid: string;
  readonly text: string;
}
