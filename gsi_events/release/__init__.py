"""What the release builder uses, in the order a release is made: committed data only,
each table's bytes (parquet.py), datapackage.json, publishing; and the generated codebook
and data card. Checking published releases is the data users' (gsi_events.integrity).
Needs the `coding` extra.
"""

from gsi_events.errors import require_extra

require_extra("gsi_events.release", "coding")
