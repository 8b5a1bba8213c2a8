/*
 * tz.h — time zones as java.time.ZoneId, from the system's tz database (TZif files).
 *
 * wy_tz_get resolves an ID as ZoneId.of does: "Z" and offsets ("+02:00", "-0530",
 * "+2"), "UTC"/"GMT"/"UT" with or without an offset, and region IDs
 * ("America/New_York") read from the zoneinfo directory (TZDIR, else
 * /usr/share/zoneinfo). Region rules cover every transition of the file and, past its
 * last one, the POSIX rule of its footer. Zones are loaded once and live until exit;
 * a zone is immutable and may be used by any thread.
 */
#ifndef WY_TZ_H
#define WY_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wy_tz wy_tz_t;

/* The zone for a Java zone ID, or NULL (Java: "Unknown time-zone ID"/"Invalid ID"). */
const wy_tz_t *wy_tz_get(const char *id, size_t n);
/* The zone's ID as java.time normalises it ("Z", "+02:00", "UTC", "Europe/Berlin"). */
const char *wy_tz_id(const wy_tz_t *z);
/* Offset from UTC in seconds at an instant; *dst and *abbr (the tz database's
 * abbreviation, e.g. "PDT") when not NULL. */
int32_t wy_tz_offset(const wy_tz_t *z, int64_t utc_s, bool *dst, const char **abbr);
/* Offset for a local date-time, as ZonedDateTime.ofLocal picks it: in an overlap the
 * earlier offset, in a gap the offset before it (the local time moves forward). */
int32_t wy_tz_local_offset(const wy_tz_t *z, int64_t local_s);
/* A fixed-offset zone (no rules). */
bool wy_tz_fixed(const wy_tz_t *z);

#endif
