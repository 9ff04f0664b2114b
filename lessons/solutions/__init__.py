"""Worked solutions to the exercises, one module per chapter. Try the hints first."""
