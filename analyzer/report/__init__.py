"""Rendering stage: turn results into text for terminals, tickets and other programs."""
