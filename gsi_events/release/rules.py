"""Every rule building or publishing a release can break, with the words its problem says:
declared once, here, for the release builder (publish.py, committed.py) and for the
tests. The rules a published release can break are declared beside the check that reads
them (gsi_events.integrity.VERIFY_RULES); gsi_events.problems.Rules says how a
declaration reads.
"""

from __future__ import annotations

from gsi_events.problems import Rules

# What every refusal to release uncommitted data ends with.
COMMIT_FIX = ("releases are made from committed data, so that each can be rebuilt from a "
              "commit: commit the changes (or set them aside), or pass --allow-uncommitted "
              "for a trial release")

RELEASE_RULES = Rules({
    # --- `gsi-events build --out DIR` (publish.py) ---------------------------------------
    "build.into_releases": "{out} lies inside the releases folder {inside}, which holds only "
                           "published releases; build into a folder outside it (gsi-events "
                           "release publishes)",
    "build.published": "this folder holds a published release, which never changes; build "
                       "into another folder",
    # --- `gsi-events release X.Y.Z` (publish.py) -----------------------------------------
    "release.version": "{version!r} is not a version X.Y.Z (e.g. 0.1.0)",
    "release.exists": "release {version} is published already, and a published release "
                      "never changes; publish the correction as a new version",
    "release.order": "the newest release is {newest}; a new release must have a higher "
                     "version",
    "release.first_version": "the first release is {first}, not {version} (0.1.0 while the "
                             "data is still being reviewed, 1.0.0 when it is ready for use: "
                             "the data-package-version recipe)",
    "release.earlier_invalid": "an earlier release fails verification (above); restore it "
                               "before publishing",
    "release.empty": "the checkout holds no coded events; nothing to release",
    "release.unchanged": "nothing changed since {previous}: no data, schema or metadata; "
                         "nothing to release",
    "release.version_recipe": "{previous} -> {version} is a {got} bump, but the changes need "
                              "at least a {need} bump (Frictionless data-package-version "
                              "recipe: major for an incompatible schema change, minor for "
                              "data added, patch for data corrected). Changes:\n{changes}",
    "release.removed_not_retired": "{n} {table} of release {previous} are not in this one, "
                                   "and coding/retired.yaml does not retire them: {ids}. An "
                                   "id is never reused: list each in coding/retired.yaml "
                                   "with the reason it was withdrawn (coding guide, 'Fixing "
                                   "a mistake later'), or restore its reports",
    # --- the data a release is built from is committed (committed.py) -------------------
    "release.uncommitted": "has changes git has not committed: {changes}{more}; {fix}",
    "release.uncommitted:no_git": "git is not installed, so nothing shows that the data is "
                                  "committed; {fix}",
    "release.uncommitted:no_repository": "is not in a git repository ({why}); {fix}",
    "release.uncommitted:git_failed": "git cannot tell whether it is committed ({why}); "
                                      "{fix}",
}, fix=COMMIT_FIX)
