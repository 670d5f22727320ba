"""Schema, migrations and small typed queries over the project database."""
