# Install and start PostgreSQL (Debian's package) for the database sink tests, then export
# DECEXTRACT_TEST_POSTGRES for them.  Meant to be sourced (by .ci/run); safe to run again.
# Needs root or sudo.  Works without systemd (pg_ctlcluster starts the server directly).

_pg_sudo=""
if [ "$(id -u)" -ne 0 ]; then _pg_sudo="sudo"; fi

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  $_pg_sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $_pg_sudo apt-get install -y -qq postgresql >/dev/null
fi

_pg_version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
# (outputs are captured before grepping: under pipefail, grep -q closing a pipe early could fail the test)
_pg_clusters="$(pg_lsclusters -h)"
if ! grep -q "^${_pg_version} main " <<<"${_pg_clusters}"; then
  $_pg_sudo pg_createcluster "${_pg_version}" main >/dev/null
fi
_pg_clusters="$(pg_lsclusters -h)"
if ! grep -q "^${_pg_version} main .* online" <<<"${_pg_clusters}"; then
  $_pg_sudo pg_ctlcluster "${_pg_version}" main start
fi
_pg_port="$(pg_lsclusters -h | awk -v v="${_pg_version}" '$1 == v && $2 == "main" {print $3}')"

for _ in $(seq 1 30); do
  if pg_isready -q -h 127.0.0.1 -p "${_pg_port}"; then break; fi
  sleep 1
done
pg_isready -h 127.0.0.1 -p "${_pg_port}"

$_pg_sudo su postgres -c "psql -q -p ${_pg_port} -c \"ALTER USER postgres PASSWORD 'decextract'\""
_pg_exists="$($_pg_sudo su postgres -c "psql -p ${_pg_port} -tAc \"SELECT 1 FROM pg_database WHERE datname = 'decextract_test'\"")"
if [ "${_pg_exists}" != "1" ]; then
  $_pg_sudo su postgres -c "createdb -p ${_pg_port} decextract_test"
fi

export DECEXTRACT_TEST_POSTGRES="postgresql+psycopg://postgres:decextract@127.0.0.1:${_pg_port}/decextract_test"
echo "PostgreSQL ${_pg_version} on port ${_pg_port}: DECEXTRACT_TEST_POSTGRES=${DECEXTRACT_TEST_POSTGRES}"
unset _pg_sudo _pg_version _pg_port _pg_clusters _pg_exists
