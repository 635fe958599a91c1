#!/bin/sh
# The compose "migrate" service: the application role (first start only), migrations, tenants.
# `liandong db create-app-role` runs as the owner (CREATEROLE, see postgres/init-liandong.sh);
# it is only needed once, so it is skipped when the role exists.
set -eu
APP_ROLE=${LIANDONG_APP_ROLE:-liandong_app}
if python - "$APP_ROLE" <<'PY'
import sys
from sqlalchemy import create_engine, text
from core.config import get_settings

engine = create_engine(get_settings().owner_database_url)
with engine.connect() as conn:
    found = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": sys.argv[1]}).scalar()
sys.exit(0 if found else 1)
PY
then
    echo "role $APP_ROLE exists"
else
    liandong db create-app-role "$APP_ROLE" --password "$LIANDONG_APP_PASSWORD"
fi
liandong db upgrade
liandong tenants sync
