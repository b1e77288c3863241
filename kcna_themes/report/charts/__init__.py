"""Charts of a report, one module per chart: ``shares_png`` (matplotlib) and
``shares_vega`` (the interactive Vega-Lite chart of the HTML page)."""
