"""The kit every app's pages are built with — no page lives here:

- ``access``: ``role_required``, who may open a page;
- ``errors``: the middleware that answers the domain's NotFound and Forbidden as 404 and 403
  pages, once, so a view never translates them by hand;
- ``forms``: ``submit_to_service`` (a form's fields → a service) and ``run_action`` (a POST
  button → a service → a message), with service errors shown where they belong.
"""
