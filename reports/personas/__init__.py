"""The persona builders (one module each) and what they share (`common`, `data`).

They are registered in one place: reports.registry.
"""
