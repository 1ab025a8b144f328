-- Runs once, when the postgres container initialises an empty data directory
-- (mounted into /docker-entrypoint-initdb.d by docker-compose.yml; psql runs it as the
-- superuser with ON_ERROR_STOP).
--
-- One role for the services and one database per service: no service reads another's data.
-- Each service creates its own tables (Alembic) in its database, which it owns.

CREATE ROLE sosenki WITH LOGIN PASSWORD 'sosenki';

CREATE DATABASE ledger OWNER sosenki;
CREATE DATABASE splits OWNER sosenki;
CREATE DATABASE recurring OWNER sosenki;
CREATE DATABASE bot_gateway OWNER sosenki;
CREATE DATABASE reporting OWNER sosenki;

-- Only the owner (and superusers) may connect.
REVOKE CONNECT, TEMPORARY ON DATABASE ledger FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE splits FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE recurring FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE bot_gateway FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE reporting FROM PUBLIC;
