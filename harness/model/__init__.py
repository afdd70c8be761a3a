"""The data model: key design, the access-pattern catalog, and how both are shown.

key_design declares the table, its keys, GSIs and entity key patterns; access_patterns
turns each access pattern into one Query; tables prints items; readme_docs keeps
README.org's generated sections in step with the code.
"""
