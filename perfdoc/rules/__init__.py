"""Checking: the rules of the forms (form_rules), the 自评表's figures and scoring, all registered
in one register (registry) and applied by check.check_unit."""
