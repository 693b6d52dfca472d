/** The one place where the embedded stack's versions are pinned. */
export const TEMPORAL_CLI = {
  module: 'github.com/temporalio/cli',
  package: 'github.com/temporalio/cli/cmd/temporal',
  // v1.5.1 is the newest tag without `replace` directives, so the newest one `go install` can build.
  version: 'v1.5.1',
  serverVersion: '1.29.1',
} as const;

export const FERRETDB = {
  module: 'github.com/FerretDB/FerretDB',
  package: './cmd/ferretdb',
  // The final 1.x line: SQLite handler, no PostgreSQL needed.
  version: 'v1.24.2',
} as const;
