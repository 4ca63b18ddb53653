"""The audit trail refuses TRUNCATE too (issue 15): a statement trigger, on PostgreSQL only (like
0002, whose row trigger TRUNCATE does not fire). ``manage.py flush`` and any script that empties
tables leave the trail alone.

Test isolation empties every table between browser and worker tests with one TRUNCATE (Django's
flush); the test suite's connections set ``rongzhi.audit_truncate`` to ``allowed`` for that
(tests/conftest.py), and nothing else does. A session that can run arbitrary SQL as the table's
owner could set it too, or drop the trigger: what closes that is an application role that does not
own the table (docs/security.md).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION governance_audit_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('rongzhi.audit_truncate', true) = 'allowed' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit events are append-only (TRUNCATE refused)' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER governance_auditevent_refuse_truncate
    BEFORE TRUNCATE ON governance_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION governance_audit_refuse_truncate();
"""
DROP = """
DROP TRIGGER IF EXISTS governance_auditevent_refuse_truncate ON governance_auditevent;
DROP FUNCTION IF EXISTS governance_audit_refuse_truncate();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("governance", "0005_idempotency_keys")]
    operations = [migrations.RunPython(forwards, backwards)]
