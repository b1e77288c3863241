"""Label in the browser: an append-only label file, a labelling session, and a local web page.

``store`` appends every answer to the labelled file and flushes it to disk;
``session`` holds the queue and what is done (no HTTP); ``server`` serves the
page in ``static/`` to one user on 127.0.0.1, behind a per-run token.
"""
