"""Photo uploads: one checked image per request, named afterwards by an inspection."""
