"""Commands around the build: selfeval init (scaffold), fmt (normalize), schema (schema)."""
