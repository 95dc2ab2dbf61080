"""What coders and the release builder share: the data flow from the hand-written files to
checked tables (schemas -> read -> merge -> validate). Needs the `coding` extra.
"""

from gsi_events.errors import require_extra

require_extra("gsi_events.compile", "coding")
