#!/usr/bin/env bash
# Builds the real tools the tests run, from their Go modules and PyPI, into a
# cache folder outside the repository (nothing here is committed but the
# pins):
#   prometheus, promtool      tools/prometheus    (Prometheus 3.14.0, module v0.314.0)
#   alertmanager, amtool      tools/alertmanager  (Alertmanager 0.34.0)
#   jaeger                    tools/jaeger        (Jaeger v2.12.0, module v1.75.0)
#   otelcol-adot              tools/collector     (ADOT v0.49.0's components, OCB)
#   cfn-lint                  tools/cfn-lint      (PyPI, in a virtual environment)
# Each is rebuilt only when its pins change (a stamp of the pin files' hash).
# Prints the bin folder last; tests find it themselves (test/tools-path.ts).
#
#   bash tools/build.sh            build what is missing or stale
#   TOOLS_CACHE=/some/dir bash tools/build.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/trading-observability/tools}"
bin="$cache/bin"
mkdir -p "$bin" "$cache/stamps"
export GOFLAGS="${GOFLAGS:-} -mod=mod"
export GOTOOLCHAIN=local

# stale NAME FILE... : true when NAME's stamp differs from the files' hash.
stale() {
  local name=$1; shift
  local want; want=$(cat "$@" | sha256sum | cut -d' ' -f1)
  [ "$(cat "$cache/stamps/$name" 2>/dev/null)" != "$want" ] || return 1
  echo "$want" > "$cache/stamps/$name.want"
}
done_stamp() { mv "$cache/stamps/$1.want" "$cache/stamps/$1"; }

# go_tools DIR PKG:NAME... : builds each package of the wrapper module in DIR.
go_tools() {
  local dir=$1; shift
  local t0=$SECONDS
  for spec in "$@"; do
    (cd "$here/$dir" && go build -trimpath -o "$bin/${spec#*:}.tmp" "${spec%:*}") && mv "$bin/${spec#*:}.tmp" "$bin/${spec#*:}"
  done
  echo "tools/build.sh: built $dir in $((SECONDS - t0)) s" >&2
}

if stale prometheus "$here/prometheus/go.mod" "$here/prometheus/go.sum"; then
  go_tools prometheus github.com/prometheus/prometheus/cmd/prometheus:prometheus github.com/prometheus/prometheus/cmd/promtool:promtool
  done_stamp prometheus
fi
# Alertmanager's web UI (ui/web.go: `//go:embed app/dist`) is built by npm in
# its release process and is not in the Go module, so `go build` of
# cmd/alertmanager fails with "pattern app/dist: no matching files found". The
# module is copied, given a one-page placeholder UI, and replaces itself in a
# copy of the wrapper's go.mod (-modfile; go.sum still pins every dependency).
# The tests use the API only.
if stale alertmanager "$here/alertmanager/go.mod" "$here/alertmanager/go.sum" "$here/build.sh"; then
  t0=$SECONDS
  am_src="$cache/alertmanager-src"
  # `go list -m` names the folder only once the module is unpacked: download it first (a fresh machine has nothing).
  am_dir=$(cd "$here/alertmanager" && go mod download -json github.com/prometheus/alertmanager | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$am_dir" ] && [ -d "$am_dir" ] || { echo "tools/build.sh: could not download github.com/prometheus/alertmanager" >&2; exit 1; }
  rm -rf "$am_src" && cp -r "$am_dir" "$am_src" && chmod -R u+w "$am_src"
  mkdir -p "$am_src/ui/app/dist"
  echo '<!doctype html><title>Alertmanager</title><p>No web UI in this build (tools/build.sh); the API is at /api/v2/.' >"$am_src/ui/app/dist/index.html"
  cp "$here/alertmanager/go.mod" "$cache/alertmanager.mod" && cp "$here/alertmanager/go.sum" "$cache/alertmanager.sum"
  (cd "$here/alertmanager" && go mod edit -modfile="$cache/alertmanager.mod" -replace "github.com/prometheus/alertmanager=$am_src")
  for t in alertmanager amtool; do
    (cd "$here/alertmanager" && go build -trimpath -modfile="$cache/alertmanager.mod" -o "$bin/$t.tmp" "github.com/prometheus/alertmanager/cmd/$t") && mv "$bin/$t.tmp" "$bin/$t"
  done
  echo "tools/build.sh: built alertmanager in $((SECONDS - t0)) s" >&2
  done_stamp alertmanager
fi
if stale jaeger "$here/jaeger/go.mod" "$here/jaeger/go.sum"; then
  go_tools jaeger github.com/jaegertracing/jaeger/cmd/jaeger:jaeger
  done_stamp jaeger
fi

# The collector: the OpenTelemetry Collector Builder at the collector release
# ADOT v0.49.0 pins, generating a main package from the committed manifest.
OCB_VERSION=v0.156.0
if stale collector "$here/collector/builder-config.yaml" "$here/build.sh"; then
  t0=$SECONDS
  GOBIN="$cache/ocb-$OCB_VERSION" go install "go.opentelemetry.io/collector/cmd/builder@$OCB_VERSION"
  rm -rf "$cache/collector-src"
  "$cache/ocb-$OCB_VERSION/builder" --config "$here/collector/builder-config.yaml" \
    --output-path "$cache/collector-src" --ldflags="-s -w" >"$cache/ocb.log" 2>&1 || { tail -40 "$cache/ocb.log" >&2; exit 1; }
  cp "$cache/collector-src/aws-otel-collector" "$bin/otelcol-adot.tmp" && mv "$bin/otelcol-adot.tmp" "$bin/otelcol-adot"
  echo "tools/build.sh: built the collector in $((SECONDS - t0)) s" >&2
  done_stamp collector
fi

if stale cfn-lint "$here/cfn-lint/requirements.txt"; then
  python3 -m venv "$cache/cfn-lint-venv"
  "$cache/cfn-lint-venv/bin/pip" install -q --disable-pip-version-check -r "$here/cfn-lint/requirements.txt"
  ln -sf "$cache/cfn-lint-venv/bin/cfn-lint" "$bin/cfn-lint"
  done_stamp cfn-lint
fi
echo "$bin"
