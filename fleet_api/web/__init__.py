"""The web application: pages for every role, in French, served by the API's own process.

    mount.py       puts everything below on the FastAPI app (`install_web`)
    security.py    security headers on every answer (CSP without inline scripts, …)
    sessions/      sign-in sessions kept in the database (cookie + CSRF token)
    pages.py       what a page handler receives: the signed-in user, the CSRF check
    nav.py         each role's landing page and the links it may follow
    templating.py  Jinja2 with French dates and times in FLEET_TIMEZONE
    vendor.py      the npm packages served from node_modules (never copied into git)
    auth/ fleet/ vehicles/   one area each: handlers (`pages.py`) beside their templates
    static/        the pages' own CSS and JavaScript, one script per page that moves

Pages are thin: they call the same services as the API's routes and never query the
database themselves; the scripts of a page call the API with the session cookie.
"""
