"""What the release builder uses: Parquet files, datapackage.json, publishing and
verifying releases, the generated codebook. Needs the `coding` extra.
"""

from gsi_events.errors import require_extra

require_extra("gsi_events.build", "coding")
