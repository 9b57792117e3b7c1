"""Réparations: repair tickets for the mechanics' side and the garage solidaire's portal."""
