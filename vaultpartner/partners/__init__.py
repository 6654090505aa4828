"""Recruiter partnerships: schema, contact history, follow-up rules and generated notes."""
