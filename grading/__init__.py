"""The grader's logic: the manifest, running specs, and the commands of grader.py."""
