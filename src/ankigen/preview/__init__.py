"""``ankigen preview``: every card as the package will carry it, in a page served locally or exported as a site.

``fill`` fills our note types' templates the way Anki does; ``page`` turns a build (``pipeline.preview``) into
the document the page shows; ``live`` keeps the last good cards across rebuilds; ``server`` serves the page,
the vendored MathJax and the media, and pushes rebuilds with server-sent events; ``export`` writes the same page
as static files. The page itself (``assets/``) is plain HTML, CSS and JavaScript, with no network access.
"""
