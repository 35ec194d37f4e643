"""Pages of the staff panel, one module per area; each adds its routes to the panel's router.

These modules do not use ``from __future__ import annotations``: FastAPI reads the
``Annotated[..., Depends(...)]`` of each route when it is defined, and those name the
dependencies built from the panel's context, which only exist inside ``add_routes``.
"""
