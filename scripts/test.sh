#!/usr/bin/env bash
# Full test run: project setup, Debian's PostgreSQL + Chromium (installed if missing),
# a throwaway PostgreSQL server on a free loopback port for this run only, then pytest.
# The OpenID Connect provider of the sign-in tests (oidc-provider-mock, from the test extra)
# is started on loopback by tests/web/test_signin_e2e.py itself.
# Arguments go to pytest. Exit status is pytest's (5 = no tests collected, a failure).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

# --- system packages ---------------------------------------------------------------
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

missing=()
[ -x "$(pg_bin)/initdb" ] || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ]; then
    sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    apt_log="$(mktemp)"
    echo "test.sh: installing ${missing[*]} with apt-get" >&2
    if ! { "${sudo[@]}" apt-get update -qq \
           && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq \
                -o Dpkg::Use-Pty=0 "${missing[@]}"; } >"$apt_log" 2>&1; then
        cat "$apt_log" >&2
        echo "test.sh: apt-get install ${missing[*]} failed" >&2
        exit 1
    fi
    rm -f "$apt_log"
fi
PGBIN="$(pg_bin)"
[ -x "$PGBIN/initdb" ] || { echo "test.sh: PostgreSQL's initdb not found" >&2; exit 1; }
[ -x /usr/bin/chromium ] || { echo "test.sh: /usr/bin/chromium not found" >&2; exit 1; }

# --- throwaway PostgreSQL server ----------------------------------------------------
# initdb/postgres refuse to run as root: as root, run them as the `postgres` user
# (created by Debian's postgresql package); otherwise as the current user.
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    as_pg=(runuser -u postgres --)
fi

PGTMP="$(mktemp -d /tmp/trialwatch-pg.XXXXXX)"
[ "${#as_pg[@]}" -eq 0 ] || chown postgres: "$PGTMP"
PGDATA_DIR="$PGTMP/data"
PGLOG="$PGTMP/server.log"
PGPORT_FREE="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
PG_USER=trialwatch
PG_PASS=trialwatch
PG_DB=trialwatch_test

cleanup() {
    if [ -f "$PGDATA_DIR/postmaster.pid" ]; then
        "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$PGTMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pwfile="$PGTMP/pw"
echo "$PG_PASS" >"$pwfile"
[ "${#as_pg[@]}" -eq 0 ] || chown postgres: "$pwfile"
# Superuser $PG_USER; local socket trusted, TCP needs the password.
if ! "${as_pg[@]}" "$PGBIN/initdb" -D "$PGDATA_DIR" -U "$PG_USER" --pwfile="$pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
        >"$PGTMP/initdb.log" 2>&1; then
    cat "$PGTMP/initdb.log" >&2
    echo "test.sh: initdb failed" >&2
    exit 1
fi
if ! "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -l "$PGLOG" -w -t 60 \
        -o "-p $PGPORT_FREE -k $PGTMP -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null; then
    cat "$PGLOG" >&2 || true
    echo "test.sh: PostgreSQL did not start (port $PGPORT_FREE)" >&2
    exit 1
fi
"${as_pg[@]}" "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PGTMP" -p "$PGPORT_FREE" \
    -U "$PG_USER" -d postgres -c "CREATE DATABASE $PG_DB" >/dev/null

export TRIALWATCH_TEST_PG_URL="postgresql+psycopg://$PG_USER:$PG_PASS@127.0.0.1:$PGPORT_FREE/$PG_DB"
export TRIALWATCH_CHROMIUM=/usr/bin/chromium

# --- tests --------------------------------------------------------------------------
set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
exit "$rc"
