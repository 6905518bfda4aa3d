"""The supervisors' console (CONTRACT §5): a web application on the store where people
take, resolve and judge flags — users and passwords (``users``), sessions, tokens and
CSRF (``auth``), pages (``pages``), the JSON API (``api``), live updates (``live``),
what a page shows (``views``), the console's metrics (``metrics``), wiring (``app``)."""
