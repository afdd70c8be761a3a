"""`invoke explore`: a local web page showing the table, its indexes, the access patterns
and the stack working live (stream records, the processor's invocations, aggregates,
replica lag, alarms), plus the NoSQL Workbench export of the design.

One idea per module: `design` (the key design as the page shows it), `items` (reading
the table and its indexes), `requests` (running an access pattern and showing its
request), `live` (the feed the page follows), `tour`, `workbench`, `app` (the web
routes), `server` (serving on loopback), `browser` (headless Chromium).
"""
