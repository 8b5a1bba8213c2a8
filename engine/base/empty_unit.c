/* Placeholder translation unit for a module library that has no sources yet. */
int wy_empty_unit_placeholder(void);
int wy_empty_unit_placeholder(void) { return 0; }
