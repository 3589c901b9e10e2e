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
if stale alertmanager "$here/alertmanager/go.mod" "$here/alertmanager/go.sum" "$here/build.sh"; then
  go_tools alertmanager github.com/prometheus/alertmanager/cmd/amtool:amtool
  # The server embeds its web UI (ui/web.go: //go:embed app/dist), which the release process builds with npm and
  # the module zip does not carry: build it from a copy of the module with an empty UI. The API, which is all the
  # tests use, is unaffected. Same module, same go.sum (verified against the wrapper's when it was downloaded).
  t0=$SECONDS
  src=$(cd "$here/alertmanager" && go list -m -f '{{.Dir}}' github.com/prometheus/alertmanager)
  rm -rf "$cache/alertmanager-src"
  cp -r "$src" "$cache/alertmanager-src"
  chmod -R u+w "$cache/alertmanager-src"
  mkdir -p "$cache/alertmanager-src/ui/app/dist"
  echo '<!doctype html><title>Alertmanager</title><p>The web UI is not built here (tools/build.sh); the API is.' >"$cache/alertmanager-src/ui/app/dist/index.html"
  (cd "$cache/alertmanager-src" && go build -trimpath -o "$bin/alertmanager.tmp" ./cmd/alertmanager) && mv "$bin/alertmanager.tmp" "$bin/alertmanager"
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
  cp "$cache/collector-src/aws-otel-collector" "$bin/otelcol-adot"
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
