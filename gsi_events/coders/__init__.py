"""What coders use: add a source, scaffold and check a coding file, find events, measure
agreement, write tables back as coding files. Needs the `coding` extra.
"""
