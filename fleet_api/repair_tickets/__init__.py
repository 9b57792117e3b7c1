"""Routes of repair tickets for the garage solidaire."""
