"""Rapport d'activité (/rapport): the funders' report as tables and charts, and its CSV."""
