"""Reading the specs: YAML with its lines kept (load), a unit's folder (folder), the form kinds
(kinds), the model (parse → model), the indicator-value grammar (values), writing spec YAML back
(specwriter), and the record every stage reports in (problems)."""
