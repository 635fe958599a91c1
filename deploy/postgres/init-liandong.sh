#!/bin/sh
# First start of the postgres container only: the owner role and the database.
# The owner runs migrations and backups: it needs BYPASSRLS because every tenant-owned table
# has FORCE ROW LEVEL SECURITY. The application's role (without BYPASSRLS) is created by
# `liandong db create-app-role` in the migrate service, run as the owner: hence CREATEROLE
# (it cannot create superusers or BYPASSRLS roles with it).
set -eu
psql -v ON_ERROR_STOP=1 --username postgres --dbname postgres \
     -v owner_pw="$LIANDONG_OWNER_PASSWORD" <<'SQL'
CREATE ROLE liandong_owner LOGIN BYPASSRLS CREATEROLE PASSWORD :'owner_pw';
CREATE DATABASE liandong OWNER liandong_owner ENCODING 'UTF8' TEMPLATE template0
       LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8';
REVOKE ALL ON DATABASE liandong FROM PUBLIC;
SQL
