// Only the reentrant (_r) API is visible: every call takes an explicit context handle,
// so GEOS is safe to use from many threads at once.
#define GEOS_USE_ONLY_R_API
#include <geos_c.h>
