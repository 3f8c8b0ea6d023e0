"""Helpers shared by every package: untrusted text (:mod:`core.untrusted`)."""
