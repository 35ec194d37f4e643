"""The staff panel at /admin: office staff keep the knowledge base true and see what
applicants need. Build it with :func:`bot.admin.router.admin_router`.
"""
