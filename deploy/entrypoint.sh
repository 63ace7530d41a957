#!/bin/sh
# kansli container entrypoint.
#
#   (no arguments) or "serve [OPTIONS]": wait for the database (KANSLI_DB_WAIT_SECONDS, default 60),
#       bring it to the newest schema, then replace this shell with `kansli serve`, so that SIGTERM
#       reaches kansli directly (it stops taking requests and finishes the ones in flight).
#   anything else: run that kansli subcommand, e.g. `import /data/natverk.yaml` or `backup FILE`.
set -eu

if [ "$#" -eq 0 ]; then
    set -- serve
fi

if [ "$1" = "serve" ]; then
    shift
    kansli migrate --wait "${KANSLI_DB_WAIT_SECONDS:-60}"
    exec kansli serve --host "${KANSLI_HOST:-0.0.0.0}" "$@"
fi

if [ "$1" = "kansli" ]; then
    shift
fi
exec kansli "$@"
