"""Pydantic models: every data file and every result is one of these."""
