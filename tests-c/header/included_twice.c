/* zseg.h can be included twice in one translation unit (its include guard works) and still
 * compiles as strict C99. Compiled by the header.* ctest tests only. */
#include "zseg.h"
#include "zseg.h"

int header_twice_uses_declarations(void);
int header_twice_uses_declarations(void) {
    zseg_error err;
    zseg_buffer *buf = 0;
    zseg_result rc = zseg_buffer_new_copy(0, 0, 0, 0, &buf, &err);
    zseg_buffer_free(buf);
    return (int)rc + (int)ZSEG_VERSION_MAJOR;
}
