"""What coders use: add a source, scaffold and check a coding file, find events, measure
agreement, write tables back as coding files. Needs the `coding` extra.
"""

from gsi_events.errors import require_extra

require_extra("gsi_events.coders", "coding")
